"""Rate limits with `limits` (a moving window): in memory, or in Redis (OPENWEBRUN_REDIS_URL) so that
several server processes share them.

Limited routes carry X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (Unix
seconds); a refused request gets 429 RATE_LIMIT_EXCEEDED with Retry-After. Refused and failed
requests count too, as WebRun's do. Limits are kept per account (by API key) or per client address.

Redis calls time out after OPENWEBRUN_REDIS_TIMEOUT_S. When Redis cannot be reached, requests are
counted in this process's memory for REDIS_RETRY_S (one warning logged), then Redis is tried again:
a dead Redis neither hangs nor refuses requests, and the limits still hold per process.
"""
from __future__ import annotations

import logging
import math
import time

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openwebrun.api.deps import Services, creator, services
from openwebrun.api.errors import ApiError
from openwebrun.domain.models import Account

EXCEEDED = "Rate limit exceeded. Please try again later."
REDIS_RETRY_S = 30.0  # after Redis failed, count in memory this long before trying it again
log = logging.getLogger(__name__)


def storage_for(redis_url: str | None, timeout_s: float = 1.0) -> Storage:
    """Memory, or Redis whose every call (connecting included) gives up after `timeout_s`, raising StorageError."""
    if not redis_url:
        return MemoryStorage()
    scheme, _, rest = redis_url.partition("://")
    return RedisStorage(f"async+{scheme}://{rest}", implementation="redispy", key_prefix="openwebrun",
                        wrap_exceptions=True, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)


class RateLimiter:
    """Counts in `storage`; a shared storage (Redis) that fails is replaced by memory for REDIS_RETRY_S."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._memory = MovingWindowRateLimiter(storage if isinstance(storage, MemoryStorage) else MemoryStorage())
        self._shared_down_until = 0.0

    async def _count(self, item: RateLimitItem, scope: str, who: str) -> tuple[bool, float, int]:
        if time.monotonic() >= self._shared_down_until:
            try:
                allowed = await self._limiter.hit(item, scope, who)
                reset, remaining = await self._limiter.get_window_stats(item, scope, who)
                return allowed, reset, remaining
            except StorageError as exc:
                self._shared_down_until = time.monotonic() + REDIS_RETRY_S
                log.warning("rate limit storage unreachable (%s: %s): counting in this process for %gs",
                            type(exc.storage_error).__name__, exc.storage_error, REDIS_RETRY_S)
        allowed = await self._memory.hit(item, scope, who)
        reset, remaining = await self._memory.get_window_stats(item, scope, who)
        return allowed, reset, remaining

    async def hit(self, item: RateLimitItem, scope: str, who: str, request: Request | None = None) -> None:
        """Count one request of `who`; ApiError 429 (with Retry-After) when over the limit."""
        allowed, reset, remaining = await self._count(item, scope, who)
        headers = {"X-RateLimit-Limit": str(item.amount), "X-RateLimit-Remaining": str(max(0, remaining)),
                   "X-RateLimit-Reset": str(math.ceil(reset))}
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
            raise ApiError(429, EXCEEDED, "RATE_LIMIT_EXCEEDED", headers=headers)
        if request is not None:
            request.state.rate_limit_headers = headers  # RateLimitHeaders puts them on the answer, whatever it is


async def limited_creator(request: Request, who: Account = Depends(creator),
                          svc: Services = Depends(services)) -> Account:
    """The caller (scope task:create), counted against the per-account limit (OPENWEBRUN_RATE_LIMIT)."""
    item = svc.settings.rate_limit_item
    if item is not None:
        await svc.limiter.hit(item, "account", who.id, request)
    return who


async def address_limited(request: Request, svc: Services = Depends(services)) -> None:
    """Counted per client address against OPENWEBRUN_ENVIRONMENT_RATE_LIMIT (environment and profile routes)."""
    address = request.client.host if request.client else "unknown"
    await svc.limiter.hit(parse(svc.settings.environment_rate_limit), "environments", address, request)


class RateLimitHeaders:
    """ASGI middleware: a counted request's X-RateLimit-* headers go on its answer, error answers too."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = scope["state"].get("rate_limit_headers")
                if headers:
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()
                             if k.lower().encode() not in present]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
