"""Rate limits with `limits` (a moving window): in memory, or in Redis (OPENWEBRUN_REDIS_URL) so that
several server processes share them.

Limited routes carry X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (Unix
seconds); a refused request gets 429 RATE_LIMIT_EXCEEDED with Retry-After. Refused and failed
requests count too, as WebRun's do. Limits are kept per account (by API key) or per client address.
"""
from __future__ import annotations

import math
import time

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openwebrun.api.deps import Services, creator, services
from openwebrun.api.errors import ApiError
from openwebrun.domain.models import Account

EXCEEDED = "Rate limit exceeded. Please try again later."


def storage_for(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    scheme, _, rest = redis_url.partition("://")
    return RedisStorage(f"async+{scheme}://{rest}", implementation="redispy", key_prefix="openwebrun")


class RateLimiter:
    def __init__(self, storage: Storage):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, item: RateLimitItem, scope: str, who: str, request: Request | None = None) -> None:
        """Count one request of `who`; ApiError 429 (with Retry-After) when over the limit."""
        allowed = await self._limiter.hit(item, scope, who)
        reset, remaining = await self._limiter.get_window_stats(item, scope, who)
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
