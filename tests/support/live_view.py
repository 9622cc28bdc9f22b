"""Watching a session's live view from a test: the page's JPEG WebSocket and an aiortc WHEP client."""
from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from PIL import Image
from websockets.sync.client import ClientConnection, connect

from openwebrun.runtime.webrtc import gathering_on

PALETTE = {"red": (230, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 230)}  # live_colour.html
PAGE_POINT = (900, 560)  # a stream pixel inside the page area, away from the fixture's controls


def colour_name(rgb: tuple[int, ...], tolerance: int = 45) -> str | None:
    """Which of the fixture page's colours `rgb` is (JPEG and video coding move it a little)."""
    for name, ref in PALETTE.items():
        if all(abs(a - b) <= tolerance for a, b in zip(rgb[:3], ref, strict=True)):
            return name
    return None


def socket_url(view_url: str) -> str:
    return view_url.replace("http://", "ws://", 1) + "/ws"


class FrameSocket:
    """The live view page's WebSocket, asking for JPEG frames: composed by the server, or in parts
    (bar and page, as the player page asks) put together here as the player does."""

    def __init__(self, view_url: str, frames: bool = True, parts: bool = False):
        self._connection = connect(socket_url(view_url), open_timeout=10, max_size=None)
        self.ws: ClientConnection = self._connection.__enter__()
        self.messages: list[dict[str, Any]] = []
        self.parts = parts
        self.bar: Image.Image | None = None
        self.page: Image.Image | None = None
        self.bars = 0  # bar parts received
        if frames:
            self.ws.send(json.dumps({"type": "frames", "parts": True} if parts else {"type": "frames"}))

    def next_frame(self, timeout: float = 15) -> Image.Image:
        """The next frame; in parts, the picture once the next page part came (one follows each bar)."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(data, str):
                self.messages.append(json.loads(data))
            elif not self.parts:
                return Image.open(io.BytesIO(data)).convert("RGB")
            elif (frame := self._part(data)) is not None:
                return frame

    def _part(self, data: bytes) -> Image.Image | None:
        image = Image.open(io.BytesIO(data[1:])).convert("RGB")
        if data[0] == 0:
            assert image.size == (1024, 155), image.size
            self.bar, self.bars = image, self.bars + 1
            return None
        assert data[0] == 1 and self.bar is not None, "the bar comes before the first page"
        self.page = image
        frame = Image.new("RGB", (1024, 600))
        frame.paste(self.bar, (0, 0))
        frame.paste(self.page.resize((1024, 445)), (0, 155))
        return frame

    def frame_where(self, holds: Callable[[Image.Image], bool], timeout: float = 20) -> Image.Image:
        """The first frame for which `holds` is true (frames come as the page paints)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.next_frame(timeout=deadline - time.monotonic())
            if holds(frame):
                return frame
        raise AssertionError(f"no frame matched within {timeout}s")

    def message(self, kind: str, timeout: float = 20) -> dict[str, Any]:
        """The first text message of type `kind` (frames in between are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages:
                if m.get("type") == kind:
                    self.messages.remove(m)
                    return m
            data = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(data, str):
                self.messages.append(json.loads(data))

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> FrameSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WhepClient:
    """A WHEP viewer made with aiortc: offer, answer, then video frames as images."""

    def __init__(self, whep_url: str, host_addresses: Sequence[str] = ()):
        self.whep_url = whep_url
        self.host_addresses = host_addresses  # its host candidates (none given: every interface but loopback)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no STUN: aiortc's default is Google's
        self.location: str | None = None
        self.answer_status = 0
        self.answer_headers: httpx.Headers | None = None
        self._track: asyncio.Future = asyncio.get_running_loop().create_future()

    async def connect(self) -> int:
        """POST the offer; the status (201 when accepted)."""
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")

        @self.pc.on("track")
        def on_track(track) -> None:
            if track.kind == "video" and not self._track.done():
                self._track.set_result(track)

        with gathering_on(self.host_addresses):
            await self.pc.setLocalDescription(await self.pc.createOffer())
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(self.whep_url, content=self.pc.localDescription.sdp,
                                       headers={"Content-Type": "application/sdp"})
        self.answer_status, self.answer_headers = answer.status_code, answer.headers
        if answer.status_code == 201:
            self.location = answer.headers["location"]
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer.text, type="answer"))
        return answer.status_code

    async def frame(self, timeout: float = 20) -> Image.Image:
        track = await asyncio.wait_for(asyncio.shield(self._track), timeout)
        frame = await asyncio.wait_for(track.recv(), timeout)
        return frame.to_image()

    async def frame_where(self, holds: Callable[[Image.Image], bool], timeout: float = 30) -> Image.Image:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            image = await self.frame(timeout=deadline - time.monotonic())
            if holds(image):
                return image
        raise AssertionError(f"no video frame matched within {timeout}s")

    async def delete(self) -> int:
        assert self.location
        async with httpx.AsyncClient(timeout=30) as client:
            return (await client.delete(self.location)).status_code

    async def wait_state(self, *states: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while self.pc.connectionState not in states:
            if time.monotonic() > deadline:
                raise AssertionError(f"connection stayed {self.pc.connectionState}, not {states}")
            changed = asyncio.Event()
            self.pc.once("connectionstatechange", changed.set)
            try:
                await asyncio.wait_for(changed.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                pass
        return self.pc.connectionState

    async def close(self) -> None:
        await self.pc.close()
