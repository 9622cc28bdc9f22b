"""openwebrun: a self-hosted WebRun browser-agent server."""
__version__ = "0.1.0"
