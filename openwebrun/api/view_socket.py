"""The live view page's WebSocket, /stream/:sessionId/:viewToken/ws.

Out: a `hello` with the session's state, then the session's events as the Socket.IO bridge shapes
them (steps, control changes, questions, task ends, `end_session`), and, after the page sends
`{"type": "frames"}`, the newest composed frame as a binary JPEG each time one is made (a slow
page skips frames); after `{"type": "frames", "parts": true}`, the frame in two parts, each a binary
message of one byte (0: the bar, 1: the page) and a JPEG: the bar when it changes, the page as
Chromium made it (again after each bar: a page part completes a frame), so that nothing is decoded
or encoded again for the viewer.
In: `{"type": "message", "id": n, "message": {...}}` with an `interaction` message of send-message
(takeover, release, CLICK, DOUBLE_CLICK, TYPE, KEY_PRESS), carried out in order through the same door;
each is answered `{"type": "ack", "id": n, "ok": ...}`.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.responses import Response

from openwebrun.api.deps import Services
from openwebrun.api.messages import handle_message
from openwebrun.api.routes.live_view import NOT_VALID, view_ok
from openwebrun.api.socket_payloads import end_session_payload, message_payload, task_end_payload
from openwebrun.domain.errors import Refused
from openwebrun.domain.events import SessionClosed, TaskFinished
from openwebrun.runtime.events import Subscription

log = logging.getLogger(__name__)
router = APIRouter(prefix="/stream")
SEND_S = 10.0  # a page that takes longer than this to take one message is dropped
MAX_MESSAGE = 64 * 1024


class ViewSocket:
    def __init__(self, svc: Services, websocket: WebSocket, session_id: str):
        self.svc = svc
        self.ws = websocket
        self.session_id = session_id
        self._send_lock = asyncio.Lock()
        self._frames: asyncio.Task | None = None

    async def send(self, payload: dict[str, Any] | bytes) -> None:
        async with self._send_lock:
            if isinstance(payload, bytes):
                await asyncio.wait_for(self.ws.send_bytes(payload), SEND_S)
            else:
                await asyncio.wait_for(self.ws.send_text(json.dumps(payload)), SEND_S)

    async def run(self, events: Subscription) -> None:
        info = await self.svc.runtime.info(self.session_id)
        if info is None:  # it ended before this socket's subscription began
            await self.send({"type": "end_session", "sessionId": self.session_id, "reason": "terminated",
                             "message": "Session ended"})
            return
        await self.send({"type": "hello", "sessionId": self.session_id, "state": info.state,
                         "taskId": info.task_id, "url": info.url})
        jobs = [asyncio.create_task(self._forward(events)), asyncio.create_task(self._read())]
        try:
            await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for job in [*jobs, self._frames]:
                if job is not None:
                    job.cancel()
            await asyncio.gather(*jobs, *([self._frames] if self._frames else []), return_exceptions=True)

    async def _forward(self, events: Subscription) -> None:
        async for event in events:
            if isinstance(event, SessionClosed):
                await self.send(end_session_payload(event))
                return
            if isinstance(event, TaskFinished):
                await self.send(task_end_payload(event.task, self.svc.links))
            elif (payload := message_payload(event)) is not None:
                await self.send(payload)

    async def _read(self) -> None:
        while True:
            text = await self.ws.receive_text()
            try:
                data = json.loads(text) if len(text) <= MAX_MESSAGE else None
            except ValueError:
                data = None
            if not isinstance(data, dict):
                await self.send({"type": "error", "error": "Send JSON objects: {\"type\": \"frames\"} or "
                                                          "{\"type\": \"message\", \"id\": n, \"message\": {...}}."})
                continue
            if data.get("type") == "frames":
                if self._frames is None:
                    self._frames = asyncio.create_task(self._send_frames(data.get("parts") is True))
            elif data.get("type") == "message":
                await self.send(await self._carry_out(data.get("id"), data.get("message")))

    async def _carry_out(self, ident: Any, message: Any) -> dict[str, Any]:
        if not isinstance(message, dict) or message.get("actionType") != "interaction":
            return {"type": "ack", "id": ident, "ok": False, "code": "VALIDATION_ERROR",
                    "error": "The live view sends interaction messages only (actionType: interaction)."}
        try:
            await handle_message(self.svc, None, self.session_id, message)
        except Refused as refused:
            return {"type": "ack", "id": ident, "ok": False, "code": refused.code, "error": refused.message}
        return {"type": "ack", "id": ident, "ok": True}

    async def _send_frames(self, parts: bool) -> None:
        runtime = self.svc.runtime
        with contextlib.suppress(Refused):
            made = runtime.jpeg_parts(self.session_id) if parts else runtime.jpeg_frames(self.session_id)
            async with contextlib.aclosing(made) as frames:
                async for jpeg in frames:
                    await self.send(jpeg)


@router.websocket("/{session_id}/{token}/ws")
async def view_socket(websocket: WebSocket, session_id: str, token: str) -> None:
    svc: Services = websocket.app.state.services
    if not await view_ok(svc, session_id, token):
        await websocket.send_denial_response(Response(NOT_VALID, status_code=401, media_type="text/plain"))
        return
    await websocket.accept()
    with svc.hub.subscribe(session_id, maxsize=200) as events:
        try:
            await ViewSocket(svc, websocket, session_id).run(events)
        except (WebSocketDisconnect, TimeoutError):
            pass
        except Exception:
            log.exception("live view socket of %s failed", session_id)
    with contextlib.suppress(Exception):
        await websocket.close()
