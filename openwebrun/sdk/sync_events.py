"""A session's events for the synchronous Client: the asyncio socket (events.SessionSocket) run on an
event loop in a thread of its own, read through blocking calls; or polls of a task without a socket."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from openwebrun.sdk.events import CONNECT_TIMEOUT_S, SessionSocket, poll_events, quiet_wait
from openwebrun.sdk.models import Event, Step, Task
from openwebrun.sdk.waiting import poll_delays

T = TypeVar("T")
CLOSE_TIMEOUT_S = 10


class SyncSessionSocket:
    """One Socket.IO connection to a session, as `with client.socket(sid) as socket:`; `events()` yields
    its messages until the session ends. `close()` disconnects and stops the socket's thread."""

    def __init__(self, base_url: str, session_id: str, api_key: str | None):
        self._socket = SessionSocket(base_url, session_id, api_key)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def connect(self) -> SyncSessionSocket:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name=f"openwebrun-socket-{self._socket.session_id}",
                                        daemon=True)
        self._thread.start()
        try:
            self._run(self._socket.connect(), CONNECT_TIMEOUT_S + 5)
        except BaseException:
            self._stop_loop()
            raise
        return self

    def next(self, timeout: float | None = None) -> Event | None:
        """The next event; None once the socket closed or the session ended. TimeoutError after `timeout` seconds."""
        if self._closed:
            return None
        return self._run(self._socket.next(timeout), None)

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """Every event until the session ends; TimeoutError when `timeout` seconds pass without one."""
        while (event := self.next(timeout)) is not None:
            yield event

    def close(self) -> None:
        self._closed = True
        if self._loop is None:
            return
        try:
            self._run(self._socket.close(), CLOSE_TIMEOUT_S)
        finally:
            self._stop_loop()

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the socket is not connected: use `with client.socket(sid) as socket:`")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()  # a wait given up (timeout, Ctrl-C) ends in the loop too
            raise

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_TIMEOUT_S)
        if not thread.is_alive():
            loop.close()

    def __enter__(self) -> SyncSessionSocket:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()


def polled_events_sync(get_task: Callable[[str, str], Task], get_steps: Callable[[str, str], list[Step]],
                       session_id: str, task_id: str, timeout: float | None = None) -> Iterator[Event]:
    """events.polled_events for the synchronous client."""
    seen, status, delays = 0, None, poll_delays()
    quiet_since = time.monotonic()
    while True:
        task = get_task(session_id, task_id)
        steps = get_steps(session_id, task_id)
        events, finished = poll_events(task, steps, seen, status)
        seen, status = max(seen, len(steps)), task.status
        yield from events
        if finished:
            return
        if events:
            quiet_since = time.monotonic()
        time.sleep(quiet_wait(next(delays), quiet_since, timeout))
