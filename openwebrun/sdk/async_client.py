"""The asyncio client: `AsyncClient(base_url, api_key)`, the same areas as Client, plus `events()`.

Waiting for a task listens on the session's socket when it can (python-socketio installed, the
session still open) and polls on each event; it falls back to polling with backoff.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from openwebrun.sdk import calls
from openwebrun.sdk.calls import FileSource
from openwebrun.sdk.environments import AsyncEnvironments
from openwebrun.sdk.errors import WaitTimeout
from openwebrun.sdk.events import SessionSocket, SocketUnavailable, polled_events, socket_supported
from openwebrun.sdk.models import Event, Session, Step, Task, UploadedFile, WebhookDelivery
from openwebrun.sdk.policies import AsyncPolicies
from openwebrun.sdk.transport import (
    DEFAULT_TIMEOUT,
    Call,
    RetryPolicy,
    async_retrying,
    connection_failed,
    read,
    request_kwargs,
    settings_from_env,
)
from openwebrun.sdk.waiting import outcome, poll_delays, settled

SOCKET_REPOLL_S = 5.0  # while waiting on the socket, poll anyway this often (a missed event costs no more)


class AsyncClient:
    """An asyncio client of an openwebrun server. `use_socket=False` always polls."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, http_client: httpx.AsyncClient | None = None, use_socket: bool = True):
        self.base_url, self.api_key = settings_from_env(base_url, api_key)
        self.retry = retry or RetryPolicy()
        self.use_socket = use_socket and socket_supported()
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._own_http = http_client is None
        self.sessions = AsyncSessions(self)
        self.tasks = AsyncTasks(self)
        self.files = AsyncFiles(self)
        self.environments = AsyncEnvironments(self)
        self.profiles = AsyncEnvironments(self, "profiles")
        self.policies = AsyncPolicies(self)

    async def send(self, call: Call) -> Any:
        """Send one request, retrying 429/503 (honouring Retry-After) and failed connections."""
        async for attempt in async_retrying(self.retry):
            with attempt:
                try:
                    response = await self._http.request(**request_kwargs(call, self.base_url, self.api_key))
                except httpx.TransportError as exc:
                    failed = connection_failed(exc)
                    if failed is None:
                        raise
                    raise failed from exc
                return read(call, response)
        raise AssertionError("unreachable")  # tenacity re-raises the last error

    async def run_task(self, prompt: str, **fields: Any) -> Task:
        return await self.tasks.run(prompt, **fields)

    async def health(self) -> dict[str, Any]:
        return await self.send(calls.health())

    def socket(self, session_id: str) -> SessionSocket:
        """The session's socket, as `async with client.socket(sid) as socket:` (SocketUnavailable if refused)."""
        return SessionSocket(self.base_url, session_id, self.api_key)

    async def events(self, session_id: str, task_id: str | None = None, *,
                     timeout: float | None = None) -> AsyncIterator[Event]:
        """The session's events until it ends (socket), or, without a socket, one task's events until it
        finishes (polling; needs `task_id`). TimeoutError when `timeout` seconds pass without an event."""
        if self.use_socket:
            try:
                socket = await self.socket(session_id).connect()
            except SocketUnavailable:
                if task_id is None:
                    raise
            else:
                try:
                    async for event in socket.events(timeout):
                        yield event
                finally:
                    await socket.close()
                return
        if task_id is None:
            raise SocketUnavailable("events without a socket need a task_id", "SOCKET_UNAVAILABLE")
        async for event in polled_events(self.tasks.get, self.tasks.steps, session_id, task_id, timeout):
            yield event

    async def close(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class AsyncResource:
    def __init__(self, client: AsyncClient):
        self._client = client

    async def _send(self, call: Call) -> Any:
        return await self._client.send(call)


class AsyncTasks(AsyncResource):
    async def run(self, prompt: str, *, wait: bool = True, timeout: float = 600, raise_on_failure: bool = True,
                  mode: str | None = None, **fields: Any) -> Task:
        """POST /start/run-task; see Client.tasks.run."""
        task = await self._send(calls.run_task(prompt, mode, fields))
        return await self.finish(task, wait, timeout, raise_on_failure)

    async def finish(self, task: Task, wait: bool, timeout: float, raise_on_failure: bool) -> Task:
        """A just-started task: waited for (unless wait=False or it already settled), failure raised."""
        if wait and not settled(task):
            return await self.wait(task, timeout=timeout, raise_on_failure=raise_on_failure)
        return outcome(task, raise_on_failure)

    async def get(self, session_id: str, task_id: str) -> Task:
        return await self._send(calls.get_task(session_id, task_id))

    async def wait(self, task: Task, *, timeout: float = 600, raise_on_failure: bool = True) -> Task:
        """Until the task is completed, failed or waits for a person: on the socket's events when it can, else polling."""
        assert task.task_id, "the session has no task"
        deadline, start = time.monotonic() + timeout, task
        if not settled(task, start) and self._client.use_socket:
            try:
                async with self._client.socket(task.session_id) as socket:
                    task = await self._wait_on(socket, task, start, deadline, timeout)
            except SocketUnavailable:
                pass  # e.g. the session already ended: polling tells
        delays = poll_delays()
        while not settled(task, start):
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(task, timeout)
            await asyncio.sleep(min(next(delays), left))
            task = await self.get(task.session_id, task.task_id)  # type: ignore[arg-type]
        return outcome(task, raise_on_failure)

    async def _wait_on(self, socket: SessionSocket, task: Task, start: Task, deadline: float, timeout: float) -> Task:
        task = await self.get(task.session_id, task.task_id)  # type: ignore[arg-type]  # after connecting: nothing missed
        while not settled(task, start):
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(task, timeout)
            try:
                event = await socket.next(min(SOCKET_REPOLL_S, left))
            except TimeoutError:
                event = None
            else:
                if event is None:  # the socket closed (the session ended): the poll below tells how
                    return await self.get(task.session_id, task.task_id)  # type: ignore[arg-type]
                if event.task_id not in (None, task.task_id):
                    continue
            task = await self.get(task.session_id, task.task_id)  # type: ignore[arg-type]
        return task

    async def steps(self, session_id: str, task_id: str) -> list[Step]:
        return await self._send(calls.steps(session_id, task_id))

    async def screenshot(self, session_id: str, task_id: str, number: int) -> bytes:
        return await self._send(calls.screenshot(session_id, task_id, number))

    async def webhooks(self, session_id: str, task_id: str) -> list[WebhookDelivery]:
        return await self._send(calls.webhooks(session_id, task_id))


class AsyncSessions(AsyncResource):
    async def start(self, prompt: str | None = None, *, expires_in: int | None = None, mode: str | None = None,
                    wait: bool = True, timeout: float = 600, raise_on_failure: bool = True, **fields: Any) -> Session:
        session = await self._send(calls.start_session(prompt, expires_in, mode, fields))
        if session.task is not None:
            session.task = await self._client.tasks.finish(session.task, wait, timeout, raise_on_failure)
        return session

    async def new_task(self, session_id: str, prompt: str, *, wait: bool = True, timeout: float = 600,
                       raise_on_failure: bool = True, **fields: Any) -> Task:
        task = await self._send(calls.new_task(session_id, prompt, fields))
        return await self._client.tasks.finish(task, wait, timeout, raise_on_failure)

    async def send_message(self, session_id: str, message: dict[str, Any]) -> dict[str, Any]:
        return await self._send(calls.send_message(session_id, message))

    async def pause(self, session_id: str) -> None:
        await self._send(calls.state(session_id, "pause"))

    async def resume(self, session_id: str) -> None:
        await self._send(calls.state(session_id, "resume"))

    async def stop(self, session_id: str) -> None:
        await self._send(calls.state(session_id, "stop"))

    async def terminate(self, session_id: str) -> None:
        await self._send(calls.state(session_id, "terminate"))

    async def take_over(self, session_id: str) -> None:
        await self._send(calls.interaction(session_id, "takeOverControl"))

    async def release(self, session_id: str) -> None:
        await self._send(calls.interaction(session_id, "releaseControl"))

    async def click(self, session_id: str, x: int, y: int, *, double: bool = False) -> None:
        await self._send(calls.interaction(session_id, "DOUBLE_CLICK" if double else "CLICK", x=x, y=y))

    async def type(self, session_id: str, text: str, *, human_like: bool | None = None) -> None:
        await self._send(calls.interaction(session_id, "TYPE", text=text, humanLike=human_like))

    async def key_press(self, session_id: str, key: str) -> None:
        await self._send(calls.interaction(session_id, "KEY_PRESS", key=key))

    async def answer(self, session_id: str, answer: str, *, stop: bool = False) -> None:
        await self._send(calls.guardrail_answer(session_id, answer, stop))


class AsyncFiles(AsyncResource):
    async def upload(self, *sources: FileSource, environment_id: str | None = None) -> list[UploadedFile]:
        return await self._send(calls.upload(sources, environment_id))

    async def download(self, file_id_or_url: str) -> bytes:
        return await self._send(calls.download(file_id_or_url))
