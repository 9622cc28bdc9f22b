"""A session's events as an async iterator: over the Socket.IO socket when python-socketio (and
aiohttp) are installed, else by polling a task (its steps and status) until it finishes."""
from __future__ import annotations

import asyncio
import contextlib
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
        """The next event; None once the socket closed. TimeoutError after `timeout` seconds."""
        payload = await asyncio.wait_for(self._queue.get(), timeout)
        if payload is None:
            self._queue.put_nowait(None)  # stays closed for later calls
            return None
        return Event.of(payload)

    async def events(self) -> AsyncIterator[Event]:
        ended = False
        while not ended:
            event = await self.next()
            if event is None:
                return
            if event.type == "end_session":  # sent as a message and as its own event: yield it once
                ended = True
            yield event

    async def close(self) -> None:
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


async def polled_events(get_task: Any, get_steps: Any, session_id: str, task_id: str) -> AsyncIterator[Event]:
    """Events made from polls of one task: an `agent` event per new step, then its end."""
    seen, status, delays = 0, None, poll_delays()
    while True:
        task: Task = await get_task(session_id, task_id)
        steps: list[Step] = await get_steps(session_id, task_id)
        for step in steps[seen:]:
            yield Event(type="agent", session_id=session_id, task_id=task_id, content=step.thinking,
                        data={"thinking": step.thinking, "nextGoal": step.next_goal, "step": step.number})
        seen = max(seen, len(steps))
        if task.status != status:
            status = task.status
            body = task.model_dump(by_alias=True, exclude_none=True)
            if status == "completed":
                yield Event.of({**body, "type": "task_completed"})
                return
            if status == "failed":
                yield Event.of({**body, "type": "error"})
                return
            if status == "guardrail":
                yield Event.of({**body, "type": "guardrail_trigger"})
            else:
                yield Event.of({**body, "type": "response_update", "data": {"state": status}})
        await asyncio.sleep(next(delays))
