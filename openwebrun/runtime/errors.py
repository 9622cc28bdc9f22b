"""Why the runtime cannot open a session."""


class CapacityExceeded(Exception):
    """Every session slot is taken."""
