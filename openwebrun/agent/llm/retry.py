"""Bounded retries with exponential backoff for LLM HTTP calls.

Providers classify their SDK's exceptions into a Failure; this module decides whether to wait
and try again (429, 5xx, timeouts, connection errors) or to give up with an LLMError.
"""
from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

from openwebrun.agent.llm.base import LLMError

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_CAP_S = 8.0
MAX_RETRY_AFTER_S = 20.0  # a server asking for a longer pause is not retried within a task step
RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}


@dataclass
class Failure:
    message: str  # status and the provider's own message
    retryable: bool
    status: int | None = None
    retry_after_s: float | None = None


class RequestRejected(LLMError):
    """The server refused the request itself (4xx other than 408/409/429)."""

    def __init__(self, message: str, status: int | None, provider_message: str):
        super().__init__(message)
        self.status = status
        self.provider_message = provider_message


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from retry-after-ms / Retry-After (seconds or an HTTP date), if present."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def provider_message(body: object, fallback: str) -> str:
    """The provider's own error text from an error body (OpenAI, Anthropic, FastAPI-style servers)."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            for key in ("message", "detail"):
                if inner.get(key):
                    return str(inner[key])[:500]
        elif isinstance(inner, str) and inner:
            return inner[:500]
        if body.get("detail"):
            return str(body["detail"])[:500]
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return fallback


def classify_sdk_error(sdk: ModuleType, exc: BaseException, timeout_s: float) -> Failure | None:
    """A failure of the official `openai` or `anthropic` SDK (they share these exception names)."""
    if isinstance(exc, (sdk.APITimeoutError, TimeoutError)):
        return Failure(f"no answer within {timeout_s:g} s", retryable=True)
    if isinstance(exc, sdk.APIConnectionError):
        return Failure(f"cannot connect ({exc.__cause__ or exc})", retryable=True)
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        return Failure(f"HTTP {status}: {provider_message(exc.body, exc.message)}",
                       retryable=status in RETRYABLE_STATUS or status >= 500, status=status,
                       retry_after_s=retry_after(exc.response.headers))
    if isinstance(exc, sdk.APIResponseValidationError):
        return Failure(f"unreadable response: {exc.message}", retryable=False, status=exc.status_code)
    return None


def backoff_delay(attempt: int, base_s: float) -> float:
    """Exponential with jitter: base, 2*base, 4*base, ... capped."""
    return min(BACKOFF_CAP_S, base_s * (2 ** attempt)) * random.uniform(0.8, 1.2)


async def with_retries(call: Callable[[], Awaitable[T]], classify: Callable[[BaseException], Failure | None], *,
                       max_retries: int, base_s: float, what: str) -> T:
    """Run `call`; retry retryable failures at most `max_retries` times, then raise LLMError.

    Exceptions `classify` does not recognise (returns None) propagate unchanged.
    """
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if not failure.retryable:
                raise RequestRejected(f"{what} was refused: {failure.message}", failure.status, failure.message) from exc
            wait = failure.retry_after_s
            if wait is not None and wait > MAX_RETRY_AFTER_S:
                raise LLMError(f"{what} failed: {failure.message}; the server asks to retry after "
                               f"{wait:.0f} s, which is too long to wait") from exc
            if attempt >= max_retries:
                tries = "1 attempt" if attempt == 0 else f"{attempt + 1} attempts"
                raise LLMError(f"{what} failed after {tries}: {failure.message}") from exc
            delay = wait if wait is not None else backoff_delay(attempt, base_s)
            log.info("%s: %s; retrying in %.2f s", what, failure.message, delay)
            await asyncio.sleep(delay)
            attempt += 1
