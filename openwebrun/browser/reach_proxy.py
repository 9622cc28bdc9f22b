"""The browser's only way out: a forward HTTP proxy on loopback that checks every connection.

Every browser context is created with this proxy (loopback included: Playwright adds
`<-loopback>` to the bypass list), so each connection Chromium opens for a navigation, a redirect
hop, a frame, a popup, a download, a sub-request, a WebSocket or a service worker comes here
first. The proxy resolves the host itself, applies the reach rules to the addresses and connects
to an allowed one, so a DNS name pointing inside is caught and a second lookup cannot differ.

HTTPS and WebSockets arrive as CONNECT and are tunnelled untouched. Plain HTTP requests are sent
on with `Connection: close` in both directions, so that every proxied connection carries one
request to one host. A refusal answers 403 with a short page saying why (for CONNECT Chromium
shows its own tunnel error instead).

Each browser context gets its own lane: a listening port of its own, so the proxy knows which
context a connection comes from without credentials or a 407 round trip. A lane carries that
context's avoided domains (the running task's avoidDomains), refused before any DNS lookup.

A lane may have an upstream proxy (the session's `proxy`): its connections then go out through
that proxy (HTTP CONNECT, or SOCKS5 with RFC 1929 credentials; upstream.py), which resolves the
names itself. The rules stay here: avoided domains, and IP literals against the reach rules. The
bytes a lane carries through its upstream are counted (`proxied_bytes`).
"""
from __future__ import annotations

import asyncio
import functools
import html
import ipaddress
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from openwebrun.browser.reach import Reach, Refused
from openwebrun.browser.upstream import ProxyFailure, basic_credentials, connect_proxy, open_via
from openwebrun.domain.proxies import Upstream
from openwebrun.domain.site_rules import avoided

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024  # longest request or response head
HEAD_S = 30.0  # a client that sends no complete head in this time is dropped
CONNECT_S = 10.0
CHUNK = 64 * 1024
HOP_HEADERS = {b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"proxy-authenticate"}


class BadRequest(Exception):
    """A request head the proxy cannot forward."""


class Lane:
    """One context's way in: its own port and the domains it must not reach."""

    def __init__(self, upstream: Upstream | None = None) -> None:
        self.avoid: tuple[str, ...] = ()
        self.judge: Callable[[str], str | None] | None = None  # the session's policy: why a host is refused
        self.upstream = upstream
        self.proxied_bytes = 0  # both directions, through the upstream
        self.port = 0
        self.server: asyncio.Server | None = None

    def count(self, size: int) -> None:
        if self.upstream is not None:
            self.proxied_bytes += size

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ReachProxy:
    def __init__(self, reach: Reach):
        self.reach = reach
        self._default: Lane | None = None
        self._lanes: set[Lane] = set()
        self._connections: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        return self._default.port if self._default is not None else 0

    @property
    def url(self) -> str:
        if self._default is None:
            raise RuntimeError("the reach proxy is not started")
        return self._default.url

    async def start(self) -> None:
        self._default = await self.open_lane()

    async def open_lane(self, upstream: Upstream | None = None) -> Lane:
        """A new listening port with rules of its own (none to start with), going out through `upstream`."""
        lane = Lane(upstream)
        lane.server = await asyncio.start_server(functools.partial(self._serve, lane), "127.0.0.1", 0,
                                                 limit=HEAD_LIMIT)
        lane.port = lane.server.sockets[0].getsockname()[1]
        self._lanes.add(lane)
        return lane

    async def close_lane(self, lane: Lane) -> None:
        self._lanes.discard(lane)
        if lane.server is not None:
            lane.server.close()
            lane.server = None

    async def close(self) -> None:
        if self._default is None:
            return
        for lane in list(self._lanes):
            await self.close_lane(lane)
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        self._default = None

    async def _serve(self, lane: Lane, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._handle(lane, reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, BadRequest):
            pass  # the browser gave up, sent nonsense or went quiet: drop the connection
        finally:
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _handle(self, lane: Lane, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_S)
        method, target, lines = _parse_head(head)
        tunnel = method == "CONNECT"
        host, port = _authority(target) if tunnel else _origin(target)
        if domain := avoided(host, lane.avoid):
            log.info("blocked a browser connection to %s:%s (avoidDomains: %s)", host, port, domain)
            await _answer(writer, 403, f"{host} is blocked by the task's avoidDomains ({domain})")
            return
        if lane.judge is not None and (why := lane.judge(host)):
            log.info("blocked a browser connection to %s:%s (policy)", host, port)
            await _answer(writer, 403, f"{host} is {why}")
            return
        try:
            if lane.upstream is not None:
                upstream_reader, upstream_writer = await self._connect_via(lane.upstream, host, port, tunnel)
            else:
                upstream_reader, upstream_writer = await self._connect(host, port)
        except Refused as exc:
            log.info("refused a browser connection to %s:%s: %s", host, port, exc)
            await _answer(writer, 403, f"openwebrun refused to connect to {host}:{port}: {exc}")
            return
        except ProxyFailure as exc:
            log.info("the session's proxy failed for %s:%s: %s", host, port, exc)
            await _answer(writer, 502, f"openwebrun could not connect to {host}:{port}: {exc}")
            return
        except (OSError, TimeoutError) as exc:
            await _answer(writer, 502, f"openwebrun could not connect to {host}:{port}: {exc or 'timed out'}")
            return
        try:
            if tunnel:
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                await _relay(reader, writer, upstream_reader, upstream_writer, rewrite_response=False, count=lane.count)
            else:
                absolute = lane.upstream is not None and lane.upstream.type == "http"
                head = _request_head(method, target, lines, proxy=lane.upstream if absolute else None)
                upstream_writer.write(head)
                lane.count(len(head))
                await upstream_writer.drain()
                await _relay(reader, writer, upstream_reader, upstream_writer, rewrite_response=True, count=lane.count)
        finally:
            upstream_writer.close()

    async def _connect_via(self, upstream: Upstream, host: str, port: int,
                           tunnel: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Through the session's proxy, which resolves names itself; IP literals meet the reach rules here."""
        if _is_ip(host) and (refusal := self.reach.address_refusal(host)):
            raise Refused(refusal)
        if not tunnel and upstream.type == "http":
            return await connect_proxy(upstream, self.reach)  # plain HTTP: the request itself goes to the proxy
        return await open_via(upstream, host, port, self.reach)

    async def _connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the first allowed address of `host` that answers."""
        last: Exception = OSError(f"{host} has no address")
        for address in await self.reach.addresses(host):
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port, limit=HEAD_LIMIT), CONNECT_S)
            except (OSError, TimeoutError) as exc:
                last = exc
        raise last


def _parse_head(head: bytes) -> tuple[str, str, list[bytes]]:
    first, *lines = head[:-4].split(b"\r\n")
    parts = first.decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadRequest(first[:100])
    return parts[0], parts[1], lines


def _authority(target: str) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise BadRequest(target)
    return host.strip("[]"), int(port)


def _origin(target: str) -> tuple[str, int]:
    parts = urlsplit(target)
    try:
        port = parts.port or 80
    except ValueError:
        raise BadRequest(target) from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise BadRequest(target)
    return parts.hostname, port


def _request_head(method: str, target: str, lines: list[bytes], proxy: Upstream | None = None) -> bytes:
    """The request as the origin server gets it (origin-form target), or as an HTTP upstream proxy
    gets it (`proxy`: absolute-form, with its credentials); one request per connection."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]
    if proxy is not None:
        if (credentials := basic_credentials(proxy)) is not None:
            kept.append(f"Proxy-Authorization: {credentials}".encode("latin-1"))
        return b"\r\n".join([f"{method} {target} HTTP/1.1".encode("latin-1"), *kept, b"Connection: close", b"", b""])
    return b"\r\n".join([f"{method} {path} HTTP/1.1".encode("latin-1"), *kept, b"Connection: close", b"", b""])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _response_head(head: bytes) -> bytes:
    first, *lines = head[:-4].split(b"\r\n")
    kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]
    return b"\r\n".join([first, *kept, b"Connection: close", b"", b""])


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    reason = {403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (f"<!doctype html><title>Refused by openwebrun</title><h1>Refused by openwebrun</h1>"
            f"<p>{html.escape(message)}</p>").encode()
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    await writer.drain()


async def _relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                 upstream_reader: asyncio.StreamReader, upstream_writer: asyncio.StreamWriter,
                 rewrite_response: bool, count: Callable[[int], None]) -> None:
    """Copy both ways until one side is done (Chromium never half-closes a connection); `count`
    is told the size of everything copied."""
    async def downward() -> None:
        if rewrite_response:
            count(await _copy_response_heads(upstream_reader, client_writer))
        await _copy(upstream_reader, client_writer, count)

    copies = {asyncio.ensure_future(_copy(client_reader, upstream_writer, count)), asyncio.ensure_future(downward())}
    try:
        done, _ = await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED)
        for finished in done:
            finished.result()
    finally:
        for copy in copies:
            copy.cancel()
        await asyncio.gather(*copies, return_exceptions=True)


async def _copy_response_heads(upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> int:
    """Forward interim (1xx) heads and the final head, the final one marked `Connection: close`;
    returns the size read."""
    size = 0
    while True:
        head = await upstream.readuntil(b"\r\n\r\n")
        size += len(head)
        status = head[9:12]
        if status[:1] == b"1" and status != b"101":
            client.write(head)
            continue
        client.write(head if status == b"101" else _response_head(head))
        await client.drain()
        return size


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: Callable[[int], None]) -> None:
    try:
        while data := await reader.read(CHUNK):
            count(len(data))
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass
