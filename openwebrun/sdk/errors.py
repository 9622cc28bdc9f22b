"""Exceptions of the SDK; each carries the server's error `code` (docs/api.md, Errors)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openwebrun.sdk.models import Task


class WebRunError(Exception):
    """Base of every SDK error."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class APIError(WebRunError):
    """The server refused a request: `status` is the HTTP status, `code` the body's code."""

    def __init__(self, message: str, code: str | None, status: int, body: Any = None, retry_after: float | None = None):
        super().__init__(message, code)
        self.status = status
        self.body = body
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class BadRequestError(APIError):
    """400: a malformed request (the message names the field)."""


class AuthenticationError(APIError):
    """401: a missing or unknown API key, or an unknown session."""


class PermissionDeniedError(APIError):
    """403: a deactivated account or an altered or expired download link."""


class NotFoundError(APIError):
    """404: an unknown task, file, environment or policy."""


class ConflictError(APIError):
    """409: the session is not in a state for this message (no running task, queue full, ...)."""


class PayloadTooLargeError(APIError):
    """413: an upload or body past the server's limit."""


class RateLimitError(APIError):
    """429: too many requests; `retry_after` is the wait the server asked for, in seconds."""


class ServiceUnavailableError(APIError):
    """503: no session slot free, or the server is busy."""


class InternalServerError(APIError):
    """500 and other 5xx answers."""


class ConnectionFailed(WebRunError):
    """The server could not be reached (after the retries)."""


class TaskFailedError(WebRunError):
    """A waited-for task ended failed; `code` is its failure code (`STOPPED`, `MAX_DURATION_EXCEEDED`, ...)."""

    def __init__(self, task: Task):
        super().__init__(task.error or "the task failed", task.code)
        self.task = task

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class WaitTimeout(WebRunError):
    """The task did not finish within the wait's timeout (it goes on on the server)."""

    def __init__(self, task: Task, timeout: float):
        super().__init__(f"task {task.task_id} still {task.status} after {timeout:g}s", "WAIT_TIMEOUT")
        self.task = task


BY_STATUS: dict[int, type[APIError]] = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError,
                                        404: NotFoundError, 409: ConflictError, 413: PayloadTooLargeError,
                                        429: RateLimitError, 503: ServiceUnavailableError}


def error_for(status: int, body: Any, retry_after: float | None = None) -> APIError:
    """The exception for an error answer (the native body, the OpenAI shape or anything else)."""
    message, code = f"HTTP {status}", None
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):  # {"error": {"message", "code"}}
            message, code = str(inner.get("message") or message), inner.get("code")
        elif inner is not None:
            message = str(inner)
        code = body.get("code", code)
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    kind = BY_STATUS.get(status, InternalServerError if status >= 500 else APIError)
    return kind(message, code, status, body, retry_after)
