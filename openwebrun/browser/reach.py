"""The reach rules applied to real names: bounded, cached DNS resolution, then the address rules.

`Reach.url_refusal` answers for a URL before it is opened (agent navigations, a task's starting
point); `Reach.addresses` gives the addresses a connection may go to (the proxy in reach_proxy.py
connects to exactly these, so a name that changes its answer between check and use gains nothing).
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import OrderedDict

from openwebrun.domain.reach import address_refusal, host_and_port, scheme_refusal

DNS_TIMEOUT_S = 3.0
CACHE_TTL_S = 30.0
CACHE_SIZE = 256


class Refused(Exception):
    """The browser may not reach this host; the message says why."""


class Resolver:
    """getaddrinfo off the event loop, bounded by a timeout; answers are cached for a short while."""

    def __init__(self, timeout_s: float = DNS_TIMEOUT_S, ttl_s: float = CACHE_TTL_S, size: int = CACHE_SIZE):
        self.timeout_s = timeout_s
        self.ttl_s = ttl_s
        self.size = size
        self._cache: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[list[str]]] = {}

    async def resolve(self, host: str) -> list[str]:
        """The addresses of `host`; OSError when it has none, TimeoutError when DNS is too slow."""
        host = host.strip("[]").lower()
        try:
            return [str(ipaddress.ip_address(host.split("%", 1)[0]))]
        except ValueError:
            pass
        hit = self._cache.get(host)
        if hit is not None and hit[0] > time.monotonic():
            self._cache.move_to_end(host)
            return hit[1]
        pending = self._pending.get(host)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup(host))
            self._pending[host] = pending
            pending.add_done_callback(lambda f: self._forget(host, f))
        return await asyncio.shield(pending)

    def _forget(self, host: str, lookup: asyncio.Future[list[str]]) -> None:
        self._pending.pop(host, None)
        if not lookup.cancelled():
            lookup.exception()  # retrieved: a lookup whose waiters were cancelled logs nothing

    async def _lookup(self, host: str) -> list[str]:
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.timeout_s)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise OSError(f"{host} has no address")
        self._cache[host] = (time.monotonic() + self.ttl_s, addresses)
        self._cache.move_to_end(host)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return addresses


class Reach:
    """What the browser of this server may reach (see openwebrun.domain.reach for the rules)."""

    def __init__(self, allow_private: bool = False, resolver: Resolver | None = None):
        self.allow_private = allow_private
        self.resolver = resolver or Resolver()

    def address_refusal(self, address: str, name: str | None = None) -> str | None:
        return address_refusal(address, self.allow_private, name)

    async def addresses(self, host: str) -> list[str]:
        """The addresses of `host` a connection may go to, in DNS order.

        Refused when every address is refused; OSError / TimeoutError when the name does not resolve.
        """
        found = await self.resolver.resolve(host)
        allowed = [a for a in found if self.address_refusal(a) is None]
        if not allowed:
            raise Refused(self.address_refusal(found[0], host) or f"{host} is refused")
        return allowed

    async def url_refusal(self, url: str) -> str | None:
        """Why the browser may not open `url`; None when it may (a name that does not resolve is
        not refused here: opening it fails on its own)."""
        problem = scheme_refusal(url)
        if problem is not None or url.strip() == "about:blank":
            return problem
        host, _port = host_and_port(url)
        try:
            await self.addresses(host)
        except Refused as exc:
            return str(exc)
        except (OSError, TimeoutError):
            return None
        return None
