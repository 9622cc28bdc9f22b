"""A session's events as an async iterator: over the Socket.IO socket when python-socketio (and
aiohttp) are installed, else by polling a task (its steps and status) until it finishes."""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from openwebrun.sdk.errors import WebRunError
from openwebrun.sdk.models import Event, Step, Task
from openwebrun.sdk.waiting import poll_delays

CONNECT_TIMEOUT_S = 10


class SocketUnavailable(WebRunError):
    """No socket: python-socketio/aiohttp missing, or the server refused the connection."""


def socket_supported() -> bool:
    try:
        import aiohttp  # noqa: F401  (python-socketio's AsyncClient needs it)
        import socketio  # noqa: F401
    except ImportError:
        return False
    return True


class SessionSocket:
    """One Socket.IO connection to a session; `events()` yields its messages until the session ends."""

    def __init__(self, base_url: str, session_id: str, api_key: str | None):
        self.base_url, self.session_id, self.api_key = base_url, session_id, api_key
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._sio: Any = None
        self._http: Any = None
        self._closed = False

    async def connect(self) -> SessionSocket:
        if not socket_supported():
            raise SocketUnavailable("python-socketio with aiohttp is not installed", "SOCKET_UNAVAILABLE")
        import aiohttp
        import socketio

        self._http = aiohttp.ClientSession()  # ours, so that closing it never depends on how the socket ended
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=self._http)
        sio.on("message", self._queue.put_nowait)
        sio.on("end_session", lambda payload: self._queue.put_nowait({**payload, "type": "end_session"}))
        sio.on("disconnect", lambda *args: self._queue.put_nowait(None))
        auth = {"sessionId": self.session_id, **({"apiKey": self.api_key} if self.api_key else {})}
        try:
            await sio.connect(self.base_url, auth=auth, transports=["websocket"], wait_timeout=CONNECT_TIMEOUT_S)
        except socketio.exceptions.ConnectionError as exc:
            await self.close()
            raise SocketUnavailable(f"socket refused: {exc}", "SOCKET_UNAVAILABLE") from exc
        self._sio = sio
        return self

    async def next(self, timeout: float | None = None) -> Event | None:
        """The next event; None once the socket closed or the session ended (`end_session` is the last
        event). TimeoutError after `timeout` seconds."""
        if self._closed:
            return None
        payload = await asyncio.wait_for(self._queue.get(), timeout)
        if payload is None:
            self._closed = True
            return None
        event = Event.of(payload)
        if event.type == "end_session":  # sent as a message and as its own event: yielded once
            self._closed = True
        return event

    async def events(self, timeout: float | None = None) -> AsyncIterator[Event]:
        """Every event until the session ends; TimeoutError when `timeout` seconds pass without one."""
        while (event := await self.next(timeout)) is not None:
            yield event

    async def close(self) -> None:
        self._closed = True
        if self._sio is not None:
            with contextlib.suppress(Exception):
                await self._sio.disconnect()
            self._sio = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> SessionSocket:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def poll_events(task: Task, steps: list[Step], seen: int, status: str | None) -> tuple[list[Event], bool]:
    """The events one poll of a task shows, after `seen` steps and the last `status`; True once it finished."""
    session_id, task_id = task.session_id, task.task_id
    events = [Event(type="agent", session_id=session_id, task_id=task_id, content=step.thinking,
                    data={"thinking": step.thinking, "nextGoal": step.next_goal, "step": step.number})
              for step in steps[seen:]]
    if task.status == status:
        return events, False
    body = task.model_dump(by_alias=True, exclude_none=True)
    if task.status == "completed":
        return [*events, Event.of({**body, "type": "task_completed"})], True
    if task.status == "failed":
        return [*events, Event.of({**body, "type": "error"})], True
    if task.status == "guardrail":
        return [*events, Event.of({**body, "type": "guardrail_trigger"})], False
    return [*events, Event.of({**body, "type": "response_update", "data": {"state": task.status}})], False


async def polled_events(get_task: Any, get_steps: Any, session_id: str, task_id: str,
                        timeout: float | None = None) -> AsyncIterator[Event]:
    """Events made from polls of one task: an `agent` event per new step, then its end. TimeoutError when
    `timeout` seconds pass without an event."""
    seen, status, delays = 0, None, poll_delays()
    quiet_since = time.monotonic()
    while True:
        task: Task = await get_task(session_id, task_id)
        steps: list[Step] = await get_steps(session_id, task_id)
        events, finished = poll_events(task, steps, seen, status)
        seen, status = max(seen, len(steps)), task.status
        for event in events:
            yield event
        if finished:
            return
        if events:
            quiet_since = time.monotonic()
        await asyncio.sleep(quiet_wait(next(delays), quiet_since, timeout))


def quiet_wait(delay: float, quiet_since: float, timeout: float | None) -> float:
    """The sleep before the next poll; TimeoutError once `timeout` passed since the last event."""
    if timeout is None:
        return delay
    left = quiet_since + timeout - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"no event in {timeout:g}s")
    return min(delay, left)
