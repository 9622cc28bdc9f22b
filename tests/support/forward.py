"""A TCP forwarder: makes services bound to this machine's loopback reachable on another of its
addresses (e.g. a test network's bridge), port for port, from a thread of the test process."""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator, Sequence

CONNECT_TIMEOUT_S = 10.0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _handler(port: int):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port),
                                                          CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
    return handle


@contextlib.contextmanager
def forwarded(host: str, ports: Sequence[int]) -> Iterator[None]:
    """While open, `host:P` leads to `127.0.0.1:P` for every P in `ports`."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"forward-{host}", daemon=True)
    thread.start()

    async def listen() -> list[asyncio.Server]:
        return [await asyncio.start_server(_handler(p), host, p) for p in ports]

    try:
        servers = asyncio.run_coroutine_threadsafe(listen(), loop).result(timeout=10)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        raise
    try:
        yield
    finally:
        async def shut() -> None:
            for server in servers:
                server.close()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

        asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
