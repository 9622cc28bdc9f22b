"""Stable failure codes and the one exception a task fails with."""
from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    NAVIGATION_TIMEOUT = "NAVIGATION_TIMEOUT"
    MAX_DURATION_EXCEEDED = "MAX_DURATION_EXCEEDED"
    TOKEN_LIMIT_EXCEEDED = "TOKEN_LIMIT_EXCEEDED"
    MAX_STEPS_EXCEEDED = "MAX_STEPS_EXCEEDED"
    LOOP_DETECTED = "LOOP_DETECTED"
    LLM_ERROR = "LLM_ERROR"
    LLM_NOT_CONFIGURED = "LLM_NOT_CONFIGURED"
    BROWSER_CRASHED = "BROWSER_CRASHED"
    POLICY_BLOCKED = "POLICY_BLOCKED"
    OUTPUT_INVALID = "OUTPUT_INVALID"
    TASK_NOT_COMPLETED = "TASK_NOT_COMPLETED"
    STOPPED = "STOPPED"
    GUARDRAIL_TIMEOUT = "GUARDRAIL_TIMEOUT"
    HUMAN_INPUT_UNAVAILABLE = "HUMAN_INPUT_UNAVAILABLE"
    SESSION_TERMINATED = "SESSION_TERMINATED"
    BALANCE_EXHAUSTED = "BALANCE_EXHAUSTED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class TaskFailure(Exception):
    """A task ended without a result; `code` is one of ErrorCode."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Kind(str, Enum):
    """Why a request is refused, in domain terms; the API maps each kind to an HTTP status."""

    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    PAYMENT_REQUIRED = "payment_required"
    TOO_MANY = "too_many"
    UNAVAILABLE = "unavailable"


# The kind of each refusal code; a code missing here is INVALID.
CODE_KINDS: dict[str, Kind] = {
    "UNAUTHORIZED": Kind.UNAUTHORIZED,
    "SESSION_NOT_FOUND": Kind.UNAUTHORIZED,  # the reference answers 401 for unknown, ended or foreign sessions
    "ACCOUNT_DEACTIVATED": Kind.FORBIDDEN,
    "MISSING_PERMISSION": Kind.FORBIDDEN,
    "NOT_FOUND": Kind.NOT_FOUND,
    "TASK_NOT_FOUND": Kind.NOT_FOUND,
    "FILE_NOT_FOUND": Kind.NOT_FOUND,
    "POLICY_NOT_FOUND": Kind.NOT_FOUND,
    "POLICY_LIMIT": Kind.CONFLICT,
    "FILE_TOO_LARGE": Kind.TOO_LARGE,
    "TASK_QUEUE_FULL": Kind.CONFLICT,
    "NO_RUNNING_TASK": Kind.CONFLICT,
    "TAKE_OVER_FIRST": Kind.CONFLICT,
    "NO_OPEN_QUESTION": Kind.CONFLICT,
    "NOT_PAUSED": Kind.CONFLICT,
    "NOT_TAKEN_OVER": Kind.CONFLICT,
    "NO_AVAILABLE_INSTANCES": Kind.UNAVAILABLE,
    "INSUFFICIENT_BALANCE": Kind.PAYMENT_REQUIRED,
    "SESSION_LIMIT_REACHED": Kind.TOO_MANY,
    "RATE_LIMIT_EXCEEDED": Kind.TOO_MANY,
    "BROWSER_UNAVAILABLE": Kind.UNAVAILABLE,
}


class Refused(Exception):
    """A request a use case refuses: a stable code, a message, and its kind (from the code unless given)."""

    def __init__(self, code: str, message: str, kind: Kind | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = kind or CODE_KINDS.get(code, Kind.INVALID)
        self.details = details  # more about it, for a program (balance, current and limit, ...)

    def __reduce__(self):  # pickled whole (a refusal made on another machine comes back as it was)
        return (Refused, (self.code, self.message, self.kind, self.details))
