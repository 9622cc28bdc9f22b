"""What the sync and async clients share: the request description, settings, retries, answers.

Retries (tenacity): a 429 or 503 answer, or a connection that could not be made, is tried again up
to `RetryPolicy.attempts` times in all. The wait is the answer's `Retry-After` (seconds or an HTTP
date) when it has one, else exponential backoff with jitter.
"""
from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from openwebrun.sdk.errors import APIError, ConnectionFailed, error_for

RETRY_STATUSES = (429, 503)
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # start calls wait up to the server's window (50 s)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in all, the first included
    backoff: float = 0.5  # first wait without Retry-After, doubled each time
    max_backoff: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is not waited out: the error is raised


@dataclass
class Call:
    """One API request and how to read its answer."""
    method: str
    path: str  # relative to the base URL, or an absolute URL
    json: Any = None
    params: dict[str, Any] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    data: dict[str, str] | None = None  # form fields beside `files`
    auth: bool = True
    binary: bool = False  # answer the body's bytes instead of its JSON
    parse: Callable[[Any], Any] = field(default=lambda body: body)


def settings_from_env(base_url: str | None, api_key: str | None) -> tuple[str, str | None]:
    url = base_url or os.environ.get("OPENWEBRUN_URL") or "http://127.0.0.1:8000"
    return url.rstrip("/"), api_key if api_key is not None else os.environ.get("OPENWEBRUN_API_KEY")


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (delay-seconds or an HTTP date), None without one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def request_kwargs(call: Call, base_url: str, api_key: str | None) -> dict[str, Any]:
    absolute = call.path.startswith(("http://", "https://"))
    url = call.path if absolute else base_url + call.path
    headers = {}
    if call.auth and api_key and (not absolute or url.startswith(base_url + "/")):
        headers["Authorization"] = f"Bearer {api_key}"
    kwargs: dict[str, Any] = {"headers": headers, "params": call.params}
    if call.files is not None:
        kwargs["files"] = call.files
        if call.data:
            kwargs["data"] = call.data
    elif call.json is not None:
        kwargs["json"] = call.json
    return {"method": call.method, "url": url, **kwargs}


def read(call: Call, response: httpx.Response) -> Any:
    """The parsed answer, or the APIError for a refusal."""
    if response.is_success:
        return call.parse(response.content if call.binary else response.json())
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    raise error_for(response.status_code, body, retry_after(response))


def _retryable(policy: RetryPolicy) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if isinstance(exc, APIError):
            return exc.status in RETRY_STATUSES and (exc.retry_after is None or exc.retry_after <= policy.max_retry_after)
        return isinstance(exc, ConnectionFailed)
    return check


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential(multiplier=policy.backoff, max=policy.max_backoff) + wait_random(0, policy.backoff)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        return asked if asked is not None else backoff(state)
    return wait


def retrying(policy: RetryPolicy) -> Retrying:
    return Retrying(stop=stop_after_attempt(policy.attempts), wait=_wait(policy), retry=retry_if_exception(_retryable(policy)),
                    reraise=True)


def async_retrying(policy: RetryPolicy) -> AsyncRetrying:
    return AsyncRetrying(stop=stop_after_attempt(policy.attempts), wait=_wait(policy),
                         retry=retry_if_exception(_retryable(policy)), reraise=True)


def connection_failed(exc: httpx.TransportError) -> ConnectionFailed | None:
    """A failure where the request surely never reached the server (safe to send again), else None."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ConnectionFailed(f"cannot connect: {exc}", "CONNECTION_FAILED")
    return None
