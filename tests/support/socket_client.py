"""Socket.IO clients for tests: a recording watcher of a session, and a socket that never reads.

`SessionSocket` wraps python-socketio's AsyncClient on an event loop of its own (a thread), so
synchronous tests can use it next to httpx:

    with SessionSocket(server.base_url, session_id) as sock:          # raises SocketRefused
        ...start a task over HTTP...
        done = sock.wait_for("task_completed")                        # by `type`
        sock.wait_for(lambda p: p.get("data", {}).get("step") == 2)   # or by predicate
        mark = sock.mark()                                            # only what comes later:
        sock.wait_for("agent", start=mark)
        answer = sock.send({"actionType": "newTask", "taskDetails": "..."}, ack=True)

Every `message` and `end_session` the server emits is recorded in arrival order
(`sock.received`: (event name, payload) pairs; `sock.types()`: the `type` of each `message`).
Waiting is on a condition variable, never by sleeping.

`StalledSocket` completes the Engine.IO and Socket.IO handshake over a raw WebSocket with a tiny
receive buffer and then reads nothing until `drain()`: the client that tests that a reader who
never reads does not hold anyone up.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from typing import Any, Self
from urllib.parse import urlsplit

import socketio  # type: ignore[import-untyped]
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

Match = str | Callable[[dict[str, Any]], bool]


class SocketRefused(Exception):
    """The server refused the connection; `message` and `data` are what its connect_error carried."""

    def __init__(self, message: str, data: Any = None):
        super().__init__(message)
        self.message = message
        self.data = data


class SessionSocket:
    def __init__(self, base_url: str, session_id: str | None, *, auth: dict[str, Any] | None = None,
                 transports: list[str] | None = None, timeout: float = 15):
        self.base_url = base_url
        self.auth = {"sessionId": session_id, **(auth or {})} if session_id is not None else (auth or {})
        self.transports = transports or ["websocket"]
        self.timeout = timeout
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.disconnected = threading.Event()
        self._changed = threading.Condition()
        self._refusal: Any = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="socket-client")
        self._thread.start()
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("message", self._record("message"))
        self.client.on("end_session", self._record("end_session"))
        self.client.on("connect_error", self._refused)
        self.client.on("disconnect", self._gone)

    # --- lifecycle ----------------------------------------------------------------
    def connect(self) -> Self:
        try:
            self._run(self.client.connect(self.base_url, auth=self.auth, transports=self.transports,
                                          wait_timeout=self.timeout))
        except socketio.exceptions.ConnectionError as exc:
            refusal = self._refusal if isinstance(self._refusal, dict) else {"message": str(self._refusal or exc)}
            self.close()
            raise SocketRefused(str(refusal.get("message")), refusal.get("data")) from exc
        return self

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._run(self.client.disconnect())
        finally:
            self._run(self._settle())
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        self._loop.close()

    def __enter__(self) -> Self:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def transport(self) -> str:
        return self.client.transport()

    # --- talking --------------------------------------------------------------------
    def send(self, message: dict[str, Any], ack: bool = False, timeout: float = 90) -> dict[str, Any] | None:
        """Emit a `message`; with ack=True wait for and return the server's answer."""
        if ack:
            return self._run(self.client.call("message", message, timeout=timeout), timeout + 5)
        self._run(self.client.emit("message", message))
        return None

    # --- reading --------------------------------------------------------------------
    def mark(self) -> int:
        """The number of payloads so far: pass it as `start` to wait only for later ones."""
        with self._changed:
            return len(self.received)

    def types(self, start: int = 0) -> list[str]:
        """The `type` of each `message` payload, in arrival order."""
        with self._changed:
            return [p.get("type", "") for name, p in self.received[start:] if name == "message"]

    def messages(self, kind: str | None = None, start: int = 0) -> list[dict[str, Any]]:
        """The `message` payloads (of one `type` when given), in arrival order."""
        with self._changed:
            return [p for name, p in self.received[start:] if name == "message" and kind in (None, p.get("type"))]

    def wait_for(self, match: Match, timeout: float = 60, *, event: str | None = "message",
                 start: int = 0) -> dict[str, Any]:
        """The first payload from index `start` on whose `type` equals `match` (or for which
        `match(payload)` holds), emitted as `event` (None: any event name)."""
        def find() -> dict[str, Any] | None:
            for name, payload in self.received[start:]:
                if event is not None and name != event:
                    continue
                if match(payload) if callable(match) else payload.get("type") == match:
                    return payload
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout):
                raise AssertionError(f"no {event or 'event'} matching {match!r} within {timeout}s; "
                                     f"got types {self.types()}")
            found = find()
            assert found is not None
            return found

    def wait_disconnected(self, timeout: float = 30) -> None:
        if not self.disconnected.wait(timeout):
            raise AssertionError(f"the server did not disconnect the socket within {timeout}s")

    # --- internals ------------------------------------------------------------------
    def _run(self, coro: Any, timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout or self.timeout + 5)

    @staticmethod
    async def _settle() -> None:
        """Let the client's leftover tasks (its read loops) finish before the loop stops."""
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def _record(self, name: str) -> Callable[[Any], None]:
        def record(payload: Any) -> None:
            with self._changed:
                self.received.append((name, payload if isinstance(payload, dict) else {"value": payload}))
                self._changed.notify_all()
        return record

    def _refused(self, data: Any = None) -> None:
        self._refusal = data

    def _gone(self, *args: Any) -> None:
        self.disconnected.set()


class StalledSocket:
    """A Socket.IO client over a raw WebSocket that stops reading after the handshake."""

    def __init__(self, base_url: str, session_id: str, receive_buffer: int = 4096, timeout: float = 15):
        parts = urlsplit(base_url)
        self.timeout = timeout
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)  # before connect: a small window
        self.sock.settimeout(timeout)
        self.sock.connect((parts.hostname, parts.port))
        self.protocol = ClientProtocol(parse_uri(f"ws://{parts.netloc}/socket.io/?EIO=4&transport=websocket"),
                                       max_size=None)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self._pending: list[str] = []
        self._partial = b""
        opened = self._next_text()
        assert opened.startswith("0"), opened  # Engine.IO open
        self._send_text("40" + json.dumps({"sessionId": session_id}))
        connected = self._next_text()
        assert connected.startswith("40"), connected  # Socket.IO connected (44 would be a refusal)

    def drain(self, until: Callable[[str, dict[str, Any]], bool], timeout: float = 60) -> list[tuple[str, dict]]:
        """Start reading: every event (name, payload) up to the first for which `until` holds."""
        self.sock.settimeout(timeout)
        events: list[tuple[str, dict]] = []
        while True:
            text = self._next_text()
            if text == "2":  # Engine.IO ping
                self._send_text("3")
                continue
            if not text.startswith("42"):
                continue
            name, payload = json.loads(text[2:])[:2]
            events.append((name, payload))
            if until(name, payload):
                return events

    def close(self) -> None:
        self.sock.close()

    def _next_text(self) -> str:
        while not self._pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, Response):
                    assert event.status_code == 101, event.status_code
                elif isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.CONT):
                    self._partial += event.data
                    if event.fin:
                        self._pending.append(self._partial.decode())
                        self._partial = b""
            self._flush()  # pongs to WebSocket pings
        return self._pending.pop(0)

    def _send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.sock.sendall(chunk)
