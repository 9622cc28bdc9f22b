"""The Socket.IO bridge behind `socketURL`: a session's events out, `send-message` messages in.

A client connects to `/socket.io/` with `auth: {sessionId}` (the session id is the credential; an
`apiKey` or `token` is checked when given). Each socket gets its own bounded hub subscription and
one forwarding task that turns events into payloads (api/socket_payloads.py) and emits them to that
socket only. A socket that reads too slowly loses its own oldest events and is told so; it never
slows the agent or the other sockets. Client `message` events are carried out like send-message's
`message`; the REST answer comes back as the ack when the client asks for one.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import socketio  # type: ignore[import-untyped]

from openwebrun.api.deps import Services
from openwebrun.api.messages import handle_message
from openwebrun.api.presenters import error_body
from openwebrun.api.socket_payloads import (
    end_session_payload,
    message_payload,
    task_end_payload,
)
from openwebrun.domain.errors import Refused
from openwebrun.domain.events import Event, SessionClosed, TaskFinished
from openwebrun.domain.models import Account
from openwebrun.runtime.events import Subscription
from openwebrun.settings import Settings

log = logging.getLogger(__name__)
NOT_FOUND = "Session not found"
ACK_GRACE_S = 10.0  # at the session's end, how long its socket waits for the acks still to come


@dataclass
class Watcher:
    """One connected socket: the session it watches, who it is (if it authenticated), its feed."""

    sid: str
    session_id: str
    account: Account | None
    subscription: Subscription
    job: asyncio.Task | None = None
    answering: int = 0  # client messages being carried out
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # set while none is

    def __post_init__(self) -> None:
        self.answered.set()


def socket_manager(settings: Settings) -> Any:
    """In cluster mode, python-socketio's Redis manager: an emit from any API process reaches a
    socket connected to another; None (in-process) otherwise."""
    if not settings.cluster_mode or not settings.redis_url:
        return None
    return socketio.AsyncRedisManager(settings.redis_url, channel=f"{settings.cluster_name}:socketio")


class SocketBridge:
    def __init__(self, queue_size: int, client_manager: Any = None):
        """`queue_size`: events held per socket (hub queue, and packets waiting to be written);
        `client_manager`: python-socketio's Redis manager when several API processes serve sockets."""
        self.queue_size = queue_size
        # Any origin may connect: the session id is the credential, not a cookie.
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", client_manager=client_manager)
        self.svc: Services | None = None
        self.watchers: dict[str, Watcher] = {}
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("message", self._message)
        self._socketio_closed = self.sio.eio.handlers["disconnect"]  # python-socketio's own, wrapped
        self.sio.eio.on("disconnect", self._engine_closed)

    def asgi_app(self) -> socketio.ASGIApp:
        """The Engine.IO endpoint, to be mounted at /socket.io (routing is the mount's)."""
        return socketio.ASGIApp(self.sio, socketio_path=None)

    def attach(self, svc: Services) -> None:
        self.svc = svc

    async def close(self, grace_s: float = 2.0) -> None:
        """After the runtime closed its sessions: let each socket get its end_session, then stop."""
        jobs = [w.job for w in self.watchers.values() if w.job is not None]
        if jobs:
            await asyncio.wait(jobs, timeout=grace_s)
        for watcher in list(self.watchers.values()):
            self._drop(watcher)
        await asyncio.gather(*jobs, return_exceptions=True)
        await self.sio.shutdown()

    # --- connection -------------------------------------------------------------
    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        svc = self.svc
        if svc is None:
            raise socketio.exceptions.ConnectionRefusedError("The server is starting", {"code": "UNAVAILABLE"})
        auth = auth if isinstance(auth, dict) else {}
        session_id = str(auth.get("sessionId") or "")
        account = None
        key = auth.get("apiKey") or auth.get("token")
        if key:
            try:
                account = await svc.auth.authenticate(f"Bearer {key}")
            except Refused as refused:
                raise socketio.exceptions.ConnectionRefusedError(refused.message, {"code": refused.code}) from None
        # From the ownership check to the subscription nothing awaits: no event falls in between.
        try:
            await svc.sessions.check_owner(account, session_id)
        except Refused:
            raise socketio.exceptions.ConnectionRefusedError(NOT_FOUND, {"code": "SESSION_NOT_FOUND"}) from None
        watcher = Watcher(sid, session_id, account, svc.hub.subscribe(session_id, maxsize=self.queue_size))
        self.watchers[sid] = watcher
        await svc.runtime.touch(session_id)
        # The job first runs after this handler returned and the CONNECT packet was queued.
        watcher.job = asyncio.create_task(self._forward(watcher), name=f"socket-{sid}")

    async def _engine_closed(self, eio_sid: str, *args: Any) -> Any:
        """An Engine.IO connection closed: end the long-poll its client may have left waiting, which
        Engine.IO would hold (and the server's shutdown with it) for pingInterval + pingTimeout."""
        socket = self.sio.eio.sockets.get(eio_sid)
        if socket is not None:
            socket.queue.put_nowait(None)  # a waiting poll answers at once; a WebSocket writer stops
        return await self._socketio_closed(eio_sid, *args)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        watcher = self.watchers.get(sid)
        if watcher is not None:
            self._drop(watcher)

    def _drop(self, watcher: Watcher) -> None:
        self.watchers.pop(watcher.sid, None)
        watcher.subscription.close()
        if watcher.job is not None and watcher.job is not asyncio.current_task():
            watcher.job.cancel()

    # --- server -> client ------------------------------------------------------------
    async def _forward(self, watcher: Watcher) -> None:
        async for event in watcher.subscription:
            try:
                if isinstance(event, SessionClosed):
                    await self._end(watcher, event)
                    return
                payload = await self._payload(event)
                if payload is not None:
                    await self._emit(watcher, "message", payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("socket %s: could not send %s", watcher.sid, event.kind)

    async def _payload(self, event: Event) -> dict[str, Any] | None:
        if not isinstance(event, TaskFinished):
            return message_payload(event)
        assert self.svc is not None
        task = event.task
        # The finished task as the store has it (tasks.get waits for the recorder): files have their ids.
        stored = await self.svc.tasks.get(task.session_id, task.id)
        return task_end_payload(stored or task, self.svc.links)

    async def _end(self, watcher: Watcher, event: SessionClosed) -> None:
        """end_session (as its own event and as a message), the acks still due (e.g. of the
        terminate that ended it), then the server disconnects the socket."""
        payload = end_session_payload(event)
        await self._emit(watcher, "end_session", payload)
        await self._emit(watcher, "message", payload)
        try:
            await asyncio.wait_for(watcher.answered.wait(), ACK_GRACE_S)
        except TimeoutError:
            log.warning("socket %s: disconnecting with a message still unanswered", watcher.sid)
        await self.sio.disconnect(watcher.sid)

    async def _emit(self, watcher: Watcher, name: str, payload: dict[str, Any]) -> None:
        """Emit to this socket only; first wait while its unwritten packets fill its share."""
        socket = self._engine_socket(watcher.sid)
        if socket is not None and socket.queue.qsize() >= self.queue_size:
            # Engine.IO's packet queue has no bound (a put never waits): we bound it here. The writer
            # takes the packets as the client reads; meanwhile this socket's hub queue drops its oldest.
            await socket.queue.join()
        await self.sio.emit(name, payload, to=watcher.sid)

    def _engine_socket(self, sid: str) -> Any:
        """The Engine.IO socket under a Socket.IO sid (its `queue` holds the packets not yet written)."""
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, "/")
        return self.sio.eio.sockets.get(eio_sid) if eio_sid else None

    # --- client -> server ------------------------------------------------------------
    async def _message(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A send-message `message`; the return value is the ack (sent only when the client asked)."""
        watcher = self.watchers.get(sid)
        svc = self.svc
        if watcher is None or svc is None:
            return error_body(NOT_FOUND, "SESSION_NOT_FOUND")
        if isinstance(data, dict) and "actionType" not in data and isinstance(data.get("message"), dict):
            data = data["message"]  # also accept the REST body's {sessionId, message} wrapper
        if not isinstance(data, dict):
            return error_body("message must be an object with an actionType.", "VALIDATION_ERROR")
        watcher.answering += 1
        watcher.answered.clear()
        try:
            owner = watcher.account or await self._owner(svc, watcher.session_id)
            return await handle_message(svc, watcher.account, watcher.session_id, data, owner=owner)
        except Refused as refused:
            return error_body(refused.message, refused.code)
        except Exception:
            log.exception("socket %s: message failed", sid)
            return error_body("Internal server error.", "INTERNAL_ERROR")
        finally:  # python-socketio queues the ack right after we return, before anything else runs
            watcher.answering -= 1
            if watcher.answering == 0:
                watcher.answered.set()

    @staticmethod
    async def _owner(svc: Services, session_id: str) -> Account:
        account_id = await svc.sessions.check_owner(None, session_id)
        account = await svc.sessions.store.accounts.get(account_id)
        if account is None:
            raise Refused("SESSION_NOT_FOUND", "Session not found or unauthorized.")
        return account
