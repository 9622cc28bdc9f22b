"""Hostile input stops here, before any route: every refusal is a 4xx in the native error shape.

- a URL longer than MAX_URL_BYTES: 414; a control character in the path: 400;
- a request body past `max_body_bytes` (by Content-Length or as it arrives): 413;
- a JSON body that does not parse, nests deeper than MAX_JSON_DEPTH, holds an unpaired UTF-16
  surrogate or a NUL character in a string (or a key), or a number too large for a float:
  400 VALIDATION_ERROR naming where. (Typed fields bound their numbers in api/schemas.py.)

Streaming routes that bound their own bodies (file uploads) are passed through unread. An
unexpected error still answers 500 in the same shape, and the connection stays open.
"""
from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openwebrun.api.presenters import error_body

log = logging.getLogger(__name__)

MAX_URL_BYTES = 8192
MAX_JSON_DEPTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class Refused(Exception):
    def __init__(self, status: int, message: str, code: str = "VALIDATION_ERROR"):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def check_url(scope: Scope) -> None:
    length = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
    if length > MAX_URL_BYTES:
        raise Refused(414, f"The URL is longer than {MAX_URL_BYTES} bytes.", "URI_TOO_LONG")
    if _CONTROL.search(scope["path"]) or _BAD_TEXT.search(scope["path"]):
        raise Refused(400, "The URL path holds a control character or invalid text.")


def check_json_body(body: bytes) -> None:
    """Raise Refused unless `body` is JSON this server can store and process."""
    try:
        value = json.loads(body, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise Refused(400, f"The request body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise Refused(400, f"The request body is not valid JSON: {exc}") from None
    check_json_value(value)


def check_json_value(value: Any) -> None:
    """Depth, text and numbers of a parsed JSON value, walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise Refused(400, f"The request body nests deeper than {MAX_JSON_DEPTH} levels (at {path}).")
            children: Iterable[tuple[Any, str]]
            if isinstance(item, dict):
                for key in item:
                    _check_text(key, f"{path} (a key)")
                children = ((v, f"{path}.{k}") for k, v in item.items())
            else:
                children = ((v, f"{path}[{i}]") for i, v in enumerate(item))
            stack.extend((child, where, depth + 1) for child, where in children)


def _check_text(text: str, path: str) -> None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        raise Refused(400, f"The request body holds a NUL character at {_short(path)}.")
    raise Refused(400, f"The request body holds an unpaired UTF-16 surrogate at {_short(path)}; "
                       "text must be valid Unicode.")


def _float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise Refused(400, f"The request body holds the number {_short(text, 24)}, which is out of range.")
    return number


def _constant(name: str) -> float:
    raise Refused(400, f"The request body holds {name}, which is not a JSON number.")


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RequestGuard:
    """ASGI middleware applying the checks above to every HTTP request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, unread_paths: Iterable[str | re.Pattern[str]] = ()):
        self.app = app
        self.max_body_bytes = max_body_bytes
        paths = list(unread_paths)
        self.unread_paths = frozenset(p for p in paths if isinstance(p, str))
        self.unread_patterns = [p for p in paths if isinstance(p, re.Pattern)]  # full matches

    def _unread(self, path: str) -> bool:
        return path in self.unread_paths or any(p.fullmatch(path) for p in self.unread_patterns)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            check_url(scope)
            if not self._unread(scope["path"]):
                receive = await self._checked_body(scope, receive)
            await self.app(scope, receive, tracked_send)
        except Refused as refused:
            if started:
                raise
            await _answer(scope, receive, send, refused.status, refused.message, refused.code)
        except Exception:
            if started:  # the answer is half sent: the connection cannot be reused
                raise
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            await _answer(scope, receive, send, 500, "Internal server error.", "INTERNAL_ERROR")

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body (bounded), check it, and hand the route a replay of it."""
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        extra: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                extra.append(message)  # the client went away; the route sees that too
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and is_json(headers.get("content-type")):
            check_json_body(body)
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *extra]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        return replayed

    def _too_large(self) -> Refused:
        return Refused(413, f"The request body is larger than the limit of {self.max_body_bytes} bytes.",
                       "REQUEST_TOO_LARGE")


OPENAI_PREFIX = "/v1/"  # the OpenAI-compatible API answers errors in OpenAI's shape


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, message: str, code: str) -> None:
    body = (error_body(message, code) if not scope.get("path", "").startswith(OPENAI_PREFIX) else
            {"error": {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                       "code": code.lower(), "param": None}})
    await JSONResponse(body, status_code=status)(scope, receive, send)
