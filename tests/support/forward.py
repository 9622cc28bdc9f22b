"""A TCP forwarder: makes services bound to this machine's loopback reachable on another of its
addresses (e.g. a test network's bridge), from a thread of the test process. A forwarded port can be
cut (its connections closed, new ones refused: the service looks down to its clients) and restored."""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, TypeVar

CONNECT_TIMEOUT_S = 10.0
CALL_TIMEOUT_S = 10.0
T = TypeVar("T")


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


class _Port:
    def __init__(self, host: str, port: int, target: int):
        self.host, self.port, self.target = host, port, target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()  # a reset, as from a machine that went away
        self.writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.target),
                                                          CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            writer.close()
            return
        self.writers |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self.writers -= {writer, up_writer}


class Forwarder:
    """Ports on `host` that lead to the same (or another) port of 127.0.0.1."""

    def __init__(self, host: str):
        self.host = host
        self._ports: dict[int, _Port] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"forward-{host}", daemon=True)
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=CALL_TIMEOUT_S)

    def add(self, target: int, port: int | None = None) -> int:
        """`host:port` (default: the target's number; 0: any free one) leads to 127.0.0.1:`target`."""
        forwarded = _Port(self.host, target if port is None else port, target)
        self._run(forwarded.open())
        self._ports[forwarded.port] = forwarded
        return forwarded.port

    def cut(self, port: int) -> None:
        self._run(self._ports[port].cut())

    def restore(self, port: int) -> None:
        self._run(self._ports[port].open())

    def close(self) -> None:
        async def shut() -> None:
            for forwarded in self._ports.values():
                await forwarded.cut()  # the pipes end on their aborted connections
            pending = asyncio.all_tasks() - {asyncio.current_task()}
            if pending:
                _, stuck = await asyncio.wait(pending, timeout=2)
                for task in stuck:  # e.g. a connection to 127.0.0.1 still being made
                    task.cancel()

        with contextlib.suppress(Exception):
            self._run(shut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@contextlib.contextmanager
def forwarded(host: str, ports: Sequence[int]) -> Iterator[Forwarder]:
    """While open, `host:P` leads to `127.0.0.1:P` for every P in `ports`."""
    forwarder = Forwarder(host)
    try:
        for port in ports:
            forwarder.add(port)
        yield forwarder
    finally:
        forwarder.close()
