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
    SESSION_TERMINATED = "SESSION_TERMINATED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class TaskFailure(Exception):
    """A task ended without a result; `code` is one of ErrorCode."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ApiError(Exception):
    """A request the API refuses: HTTP status, message and stable code."""

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
