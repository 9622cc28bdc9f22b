"""The reach proxy on the wire: tunnels, plain HTTP forwarding, refusals, nonsense."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openwebrun.browser.reach import Reach
from openwebrun.browser.reach_proxy import ReachProxy
from tests.support.recording_site import recording_site

SITE = Path(__file__).parent / "site"


@pytest.fixture
async def proxy():
    running = ReachProxy(Reach(allow_private=True))
    await running.start()
    yield running
    await running.close()


@pytest.fixture
def site():
    with recording_site(SITE) as recorded:
        yield recorded


async def _ask(proxy: ReachProxy, request: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(request)
    await writer.drain()
    return reader, writer


async def test_connect_tunnels_bytes_both_ways(proxy):
    async def echo(reader, writer):
        while data := await reader.read(1024):
            writer.write(data.upper())
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await _ask(proxy, f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == b"HTTP/1.1 200 Connection Established\r\n\r\n"
        writer.write(b"hello tunnel")
        assert await asyncio.wait_for(reader.readexactly(12), 5) == b"HELLO TUNNEL"
        writer.close()
    finally:
        server.close()


async def test_plain_http_is_forwarded_one_request_per_connection(proxy, site):
    body = b"name=Ada&pw=1"
    reader, writer = await _ask(proxy, (
        f"POST {site.url}/submit?x=1 HTTP/1.1\r\nHost: {site.url[7:]}\r\nProxy-Connection: keep-alive\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)
    answer = await asyncio.wait_for(reader.read(), 5)  # the proxy closes after the answer
    assert answer.startswith(b"HTTP/1.0 204") and b"\r\nConnection: close\r\n" in answer
    writer.close()
    reader, writer = await _ask(proxy, f"GET {site.url}/list.html HTTP/1.1\r\nHost: {site.url[7:]}\r\n\r\n".encode())
    answer = await asyncio.wait_for(reader.read(), 5)
    assert b"200 OK" in answer.split(b"\r\n", 1)[0] and answer.endswith(b"</html>\n")
    writer.close()
    assert site.requests == ["POST /submit?x=1", "GET /list.html"]


async def test_refusals_and_nonsense(site):
    strict = ReachProxy(Reach(allow_private=False))
    await strict.start()
    try:
        reader, _writer = await _ask(strict, f"GET {site.url}/list.html HTTP/1.1\r\n\r\n".encode())
        answer = (await asyncio.wait_for(reader.read(), 5)).decode()
        assert answer.startswith("HTTP/1.1 403 Forbidden") and "127.0.0.1 is a loopback address" in answer
        reader, _writer = await _ask(strict, b"CONNECT 169.254.169.254:443 HTTP/1.1\r\n\r\n")
        answer = (await asyncio.wait_for(reader.read(), 5)).decode()
        assert answer.startswith("HTTP/1.1 403 Forbidden") and "link-local" in answer
        for nonsense in (b"hello\r\n\r\n", b"GET ftp://x/ HTTP/1.1\r\n\r\n", b"CONNECT nohost HTTP/1.1\r\n\r\n"):
            reader, _writer = await _ask(strict, nonsense)
            assert await asyncio.wait_for(reader.read(), 5) == b""  # dropped
        assert site.requests == []
    finally:
        await strict.close()


async def test_close_ends_open_tunnels(proxy):
    idle = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = idle.sockets[0].getsockname()[1]
    try:
        reader, _writer = await _ask(proxy, f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n".encode())
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        await asyncio.wait_for(proxy.close(), 5)
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        idle.close()
