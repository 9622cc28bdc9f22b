"""The synchronous client: `Client(base_url, api_key)`, one attribute per API area."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx

from openwebrun.sdk import calls
from openwebrun.sdk.calls import FileSource
from openwebrun.sdk.environments import Environments
from openwebrun.sdk.errors import WaitTimeout
from openwebrun.sdk.events import SocketUnavailable, socket_supported
from openwebrun.sdk.models import Event, Session, Step, Task, UploadedFile, WebhookDelivery
from openwebrun.sdk.policies import Policies
from openwebrun.sdk.sync_events import SyncSessionSocket, polled_events_sync
from openwebrun.sdk.transport import (
    DEFAULT_TIMEOUT,
    Call,
    RetryPolicy,
    connection_failed,
    read,
    request_kwargs,
    retrying,
    settings_from_env,
)
from openwebrun.sdk.waiting import outcome, poll_delays, settled

T = TypeVar("T")


class Client:
    """A client of an openwebrun server (base URL and key default to OPENWEBRUN_URL and OPENWEBRUN_API_KEY).
    `use_socket=False`: `events()` polls a task instead of listening on the session's socket."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, http_client: httpx.Client | None = None, use_socket: bool = True):
        self.base_url, self.api_key = settings_from_env(base_url, api_key)
        self.retry = retry or RetryPolicy()
        self.use_socket = use_socket and socket_supported()  # for events(); waiting always polls
        self._http = http_client or httpx.Client(timeout=timeout)
        self._own_http = http_client is None
        self.sessions = Sessions(self)
        self.tasks = Tasks(self)
        self.files = Files(self)
        self.environments = Environments(self)
        self.profiles = Environments(self, "profiles")  # the same objects under WebRun's older name
        self.policies = Policies(self)

    def send(self, call: Call) -> Any:
        """Send one request, retrying 429/503 (honouring Retry-After) and failed connections."""
        for attempt in retrying(self.retry):
            with attempt:
                try:
                    response = self._http.request(**request_kwargs(call, self.base_url, self.api_key))
                except httpx.TransportError as exc:
                    failed = connection_failed(exc)
                    if failed is None:
                        raise
                    raise failed from exc
                return read(call, response)
        raise AssertionError("unreachable")  # tenacity re-raises the last error

    def run_task(self, prompt: str, **fields: Any) -> Task:
        """Run a task in a session of its own and wait for it (see Tasks.run)."""
        return self.tasks.run(prompt, **fields)

    def health(self) -> dict[str, Any]:
        return self.send(calls.health())

    def socket(self, session_id: str) -> SyncSessionSocket:
        """The session's socket, as `with client.socket(sid) as socket:` (SocketUnavailable if refused)."""
        return SyncSessionSocket(self.base_url, session_id, self.api_key)

    def events(self, session_id: str, task_id: str | None = None, *, timeout: float | None = None) -> Iterator[Event]:
        """The session's events until it ends (socket), or, without a socket, one task's events until it
        finishes (polling; needs `task_id`). TimeoutError when `timeout` seconds pass without an event.
        Leaving the loop early closes the socket when the generator is closed (`with closing(...)`)."""
        if self.use_socket:
            try:
                socket = self.socket(session_id).connect()
            except SocketUnavailable:
                if task_id is None:
                    raise
            else:
                try:
                    yield from socket.events(timeout)
                finally:
                    socket.close()
                return
        if task_id is None:
            raise SocketUnavailable("events without a socket need a task_id", "SOCKET_UNAVAILABLE")
        yield from polled_events_sync(self.tasks.get, self.tasks.steps, session_id, task_id, timeout)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Resource:
    def __init__(self, client: Client):
        self._client = client

    def _send(self, call: Call) -> Any:
        return self._client.send(call)


class Tasks(Resource):
    def run(self, prompt: str, *, wait: bool = True, timeout: float = 600, raise_on_failure: bool = True,
            mode: str | None = None, **fields: Any) -> Task:
        """POST /start/run-task (the session ends with the task). Waits until the task completes, fails
        (TaskFailedError unless raise_on_failure=False) or asks a person (`task.guardrail`)."""
        task = self._send(calls.run_task(prompt, mode, fields))
        return self.finish(task, wait, timeout, raise_on_failure)

    def finish(self, task: Task, wait: bool, timeout: float, raise_on_failure: bool) -> Task:
        """A just-started task: waited for (unless wait=False or it already settled), failure raised."""
        if wait and not settled(task):
            return self.wait(task, timeout=timeout, raise_on_failure=raise_on_failure)
        return outcome(task, raise_on_failure)

    def get(self, session_id: str, task_id: str) -> Task:
        return self._send(calls.get_task(session_id, task_id))

    def wait(self, task: Task, *, timeout: float = 600, raise_on_failure: bool = True) -> Task:
        """Poll (with backoff) until the task is completed, failed or waits for a person. Given a task that
        waits for a person, waits until it moved on (answered) and reached one of these again."""
        assert task.task_id, "the session has no task"
        deadline, start = time.monotonic() + timeout, task
        delays = poll_delays()
        while not settled(task, start):
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(task, timeout)
            time.sleep(min(next(delays), left))
            task = self.get(task.session_id, task.task_id)
        return outcome(task, raise_on_failure)

    def steps(self, session_id: str, task_id: str) -> list[Step]:
        return self._send(calls.steps(session_id, task_id))

    def screenshot(self, session_id: str, task_id: str, number: int) -> bytes:
        """The JPEG of a step's viewport."""
        return self._send(calls.screenshot(session_id, task_id, number))

    def webhooks(self, session_id: str, task_id: str) -> list[WebhookDelivery]:
        return self._send(calls.webhooks(session_id, task_id))


class Sessions(Resource):
    def start(self, prompt: str | None = None, *, expires_in: int | None = None, mode: str | None = None,
              wait: bool = True, timeout: float = 600, raise_on_failure: bool = True, **fields: Any) -> Session:
        """POST /start/start-session; with a prompt its first task runs (and is waited for, like Tasks.run)."""
        session = self._send(calls.start_session(prompt, expires_in, mode, fields))
        if session.task is not None:
            session.task = self._client.tasks.finish(session.task, wait, timeout, raise_on_failure)
        return session

    def new_task(self, session_id: str, prompt: str, *, wait: bool = True, timeout: float = 600,
                 raise_on_failure: bool = True, **fields: Any) -> Task:
        """A task in an existing session (queued while another runs)."""
        task = self._send(calls.new_task(session_id, prompt, fields))
        return self._client.tasks.finish(task, wait, timeout, raise_on_failure)

    def send_message(self, session_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Any send-message `message`, as the API takes it."""
        return self._send(calls.send_message(session_id, message))

    # state
    def pause(self, session_id: str) -> None:
        self._send(calls.state(session_id, "pause"))

    def resume(self, session_id: str) -> None:
        self._send(calls.state(session_id, "resume"))

    def stop(self, session_id: str) -> None:
        """Stop the running task (it fails with STOPPED); the session stays."""
        self._send(calls.state(session_id, "stop"))

    def terminate(self, session_id: str) -> None:
        """End the session."""
        self._send(calls.state(session_id, "terminate"))

    # interaction
    def take_over(self, session_id: str) -> None:
        self._send(calls.interaction(session_id, "takeOverControl"))

    def release(self, session_id: str) -> None:
        self._send(calls.interaction(session_id, "releaseControl"))

    def click(self, session_id: str, x: int, y: int, *, double: bool = False) -> None:
        """A click at stream pixels (the page starts at y=155, below the browser bar)."""
        self._send(calls.interaction(session_id, "DOUBLE_CLICK" if double else "CLICK", x=x, y=y))

    def type(self, session_id: str, text: str, *, human_like: bool | None = None) -> None:
        self._send(calls.interaction(session_id, "TYPE", text=text, humanLike=human_like))

    def key_press(self, session_id: str, key: str) -> None:
        self._send(calls.interaction(session_id, "KEY_PRESS", key=key))

    # guardrails
    def answer(self, session_id: str, answer: str, *, stop: bool = False) -> None:
        """Answer the agent's question (`stop=True` ends the task with STOPPED instead)."""
        self._send(calls.guardrail_answer(session_id, answer, stop))


class Files(Resource):
    def upload(self, *sources: FileSource, environment_id: str | None = None) -> list[UploadedFile]:
        """Upload paths or (name, bytes[, content type]) tuples; attach the ids with `files=[...]`. With
        `environment_id` they are kept in that environment (`environments.files`)."""
        return self._send(calls.upload(sources, environment_id))

    def download(self, file_id_or_url: str) -> bytes:
        """A file's bytes, by id or by a task file's signed `download_url`."""
        return self._send(calls.download(file_id_or_url))
