"""The Python SDK of the openwebrun API (docs/sdk.md). Imports only httpx, pydantic and tenacity."""
from openwebrun.sdk.async_client import AsyncClient
from openwebrun.sdk.client import Client
from openwebrun.sdk.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionFailed,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    TaskFailedError,
    WaitTimeout,
    WebRunError,
)
from openwebrun.sdk.events import SocketUnavailable
from openwebrun.sdk.models import (
    ActionRule,
    AuditEntry,
    DomainEntry,
    DomainRules,
    DownloadLink,
    Environment,
    EnvironmentFile,
    Event,
    Guardrail,
    Policy,
    Session,
    Step,
    Task,
    TaskFile,
    UploadedFile,
    Usage,
    WebhookDelivery,
)
from openwebrun.sdk.transport import RetryPolicy

__all__ = ["APIError", "ActionRule", "AsyncClient", "AuditEntry", "DomainEntry", "DomainRules", "DownloadLink",
           "Environment", "EnvironmentFile", "Policy", "AuthenticationError", "BadRequestError", "Client", "ConflictError",
           "ConnectionFailed", "Event", "Guardrail", "InternalServerError", "NotFoundError", "PayloadTooLargeError",
           "PermissionDeniedError", "RateLimitError", "RetryPolicy", "ServiceUnavailableError", "Session",
           "SocketUnavailable", "Step", "Task", "TaskFailedError", "TaskFile", "UploadedFile", "Usage", "WaitTimeout",
           "WebRunError", "WebhookDelivery"]
