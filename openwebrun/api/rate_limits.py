"""Rate limits per client address with `limits` (a moving window, in memory), as route dependencies.

Every answer of a limited route carries X-RateLimit-Limit, X-RateLimit-Remaining and
X-RateLimit-Reset (Unix seconds); a refused request gets 429 with Retry-After. Refused and failed
requests count too, as WebRun's do.
"""
from __future__ import annotations

import math
import time

from fastapi import Request, Response
from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from openwebrun.api.errors import ApiError

EXCEEDED = "Rate limit exceeded. Please try again later."


class RateLimit:
    """A dependency: `Depends(limit)` counts the request against `spec` (e.g. "100/15 minutes") per address."""

    def __init__(self, spec: str, scope: str):
        self.item = parse(spec)
        self.scope = scope
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, request: Request, response: Response) -> None:
        address = request.client.host if request.client else "unknown"
        allowed = await self._limiter.hit(self.item, self.scope, address)
        reset, remaining = await self._limiter.get_window_stats(self.item, self.scope, address)
        headers = {"X-RateLimit-Limit": str(self.item.amount), "X-RateLimit-Remaining": str(max(0, remaining)),
                   "X-RateLimit-Reset": str(math.ceil(reset))}
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
            raise ApiError(429, EXCEEDED, "RATE_LIMIT_EXCEEDED", headers=headers)
        response.headers.update(headers)
