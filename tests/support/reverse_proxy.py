"""A reverse proxy on loopback that serves an upstream under a path prefix (HTTP and WebSocket),
as a user would put openwebrun behind nginx at https://example.org/prefix/."""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import aiohttp
from aiohttp import web

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}


def _app(prefix: str, upstream: str) -> web.Application:
    async def forward(request: web.Request) -> web.StreamResponse:
        path = request.rel_url.path
        if not path.startswith(prefix + "/"):
            return web.Response(status=404, text="outside the prefix")
        target = upstream + path[len(prefix):] + (f"?{request.rel_url.query_string}" if request.rel_url.query_string else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        async with aiohttp.ClientSession() as client:
            if request.headers.get("upgrade", "").lower() == "websocket":
                return await _websocket(request, client, target.replace("http", "ws", 1))
            async with client.request(request.method, target, headers=headers, data=await request.read(),
                                      allow_redirects=False) as answer:
                body = await answer.read()
                out = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
                return web.Response(status=answer.status, body=body, headers=out)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def _websocket(request: web.Request, client: aiohttp.ClientSession, target: str) -> web.WebSocketResponse:
    inner = await client.ws_connect(target)
    outer = web.WebSocketResponse()
    await outer.prepare(request)

    async def pipe(source, sink) -> None:
        async for message in source:
            if message.type == aiohttp.WSMsgType.TEXT:
                await sink.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            else:
                break
        await sink.close()

    await asyncio.gather(pipe(inner, outer), pipe(outer, inner), return_exceptions=True)
    return outer


@contextlib.contextmanager
def reverse_proxy(port: int, prefix: str, upstream: str) -> Iterator[str]:
    """Serve `upstream` at http://127.0.0.1:port{prefix}; yields that base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(prefix.rstrip("/"), upstream.rstrip("/")))
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(15), "the reverse proxy did not start"
    try:
        yield f"http://127.0.0.1:{port}{prefix.rstrip('/')}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
