"""openwebrun: a self-hosted WebRun browser-agent server, and its Python SDK (`openwebrun.Client`)."""
__version__ = "0.1.0"

from openwebrun.sdk import (  # noqa: E402  (the SDK is light: no server module is imported)
    APIError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    ConnectionFailed,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
    SocketUnavailable,
    TaskFailedError,
    WaitTimeout,
    WebRunError,
)

__all__ = ["APIError", "AsyncClient", "AuthenticationError", "BadRequestError", "Client", "ConflictError",
           "ConnectionFailed", "InternalServerError", "NotFoundError", "PayloadTooLargeError", "PermissionDeniedError",
           "RateLimitError", "RetryPolicy", "ServiceUnavailableError", "SocketUnavailable", "TaskFailedError",
           "WaitTimeout", "WebRunError", "__version__"]
