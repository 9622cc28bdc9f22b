"""WHEP viewers of the live view (aiortc): one send-only peer connection per viewer.

The video track encodes the session's newest composed frame each time a new one is made (the
frame rate follows the page), and the last one again every second while nothing changes so that
a late or lossy viewer still gets a picture. H.264 is chosen when the viewer offers it, else VP8.
Encoding runs only while the viewer is connected: the peer is the viewer.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import av
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCRtpCodecCapability, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import VIDEO_TIME_BASE, MediaStreamError, MediaStreamTrack

from openwebrun.domain.errors import Kind, Refused
from openwebrun.runtime.live_view import LiveView, ViewEnded

log = logging.getLogger(__name__)

KEEPALIVE_S = 1.0  # an unchanged picture is sent again this often
NEGOTIATE_S = 15.0  # bound of answering an offer (gathering includes STUN/TURN servers)
CONNECT_S = 30.0  # a viewer that has not connected by then is dropped
CLOCK = 90000


class FrameTrack(MediaStreamTrack):
    """The live view's frames as a video track."""

    kind = "video"

    def __init__(self, view: LiveView):
        super().__init__()
        self.view = view
        self._version = 0
        self._start = time.monotonic()
        self._last_pts = -1
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.view.next_frame(self._version, timeout=KEEPALIVE_S)
        while frame is None and not self.view.ended:  # nothing painted yet
            frame = await self.view.next_frame(self._version, timeout=KEEPALIVE_S)
        if frame is None:
            self.stop()
            raise MediaStreamError
        self._version = frame.version
        video = av.VideoFrame.from_image(frame.image)
        self._last_pts = max(self._last_pts + 1, int((time.monotonic() - self._start) * CLOCK))
        video.pts = self._last_pts
        video.time_base = VIDEO_TIME_BASE
        self.sent += 1
        return video


def codec_preferences() -> list[RTCRtpCodecCapability]:
    """H.264 first, then VP8, each with its retransmission codec."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    order = ("video/h264", "video/vp8", "video/rtx")
    return sorted((c for c in codecs if c.mimeType.lower() in order), key=lambda c: order.index(c.mimeType.lower()))


def ice_servers(configured: Sequence[dict[str, Any]]) -> list[RTCIceServer]:
    """WebRTC's iceServers entries (`urls`, `username`, `credential`) as aiortc's objects."""
    return [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in configured]


def restrict_host_addresses(addresses: Sequence[str]) -> None:
    """Offer host candidates only on these local addresses (default: every interface but loopback).

    aioice has no option for it; its address lookup is replaced for the whole process.
    """
    chosen = list(addresses)
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [  # type: ignore[assignment]
        a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


@dataclass
class Viewer:
    session_id: str
    pc: RTCPeerConnection
    track: FrameTrack
    done: asyncio.Event = field(default_factory=asyncio.Event)
    job: asyncio.Task | None = None


class WhepPeers:
    def __init__(self, ice_servers: Sequence[RTCIceServer] = (), *, connect_timeout_s: float = CONNECT_S):
        self.ice_servers = list(ice_servers)
        self.connect_timeout_s = connect_timeout_s
        self._viewers: dict[str, Viewer] = {}

    def count(self, session_id: str | None = None) -> int:
        return sum(1 for v in self._viewers.values() if session_id is None or v.session_id == session_id)

    async def answer(self, session_id: str, view: LiveView, offer_sdp: str) -> tuple[str, str]:
        """A new viewer: (resource id, answer SDP). Refused BAD_OFFER when the offer cannot be used."""
        if view.ended:
            raise ViewEnded()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers or None))
        track = FrameTrack(view)
        pc.addTransceiver(track, direction="sendonly").setCodecPreferences(codec_preferences())
        try:
            async with asyncio.timeout(NEGOTIATE_S):
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
                await pc.setLocalDescription(await pc.createAnswer())
        except TimeoutError:
            await pc.close()
            raise Refused("WHEP_TIMEOUT", "The answer could not be made in time (gathering ICE candidates).",
                          Kind.UNAVAILABLE) from None
        except Exception as exc:
            await pc.close()
            raise Refused("BAD_OFFER", f"The SDP offer cannot be used: {exc or type(exc).__name__}. "
                                       "Offer a recvonly video transceiver (H.264 or VP8).") from None
        resource = secrets.token_urlsafe(16)
        viewer = Viewer(session_id, pc, track)
        self._viewers[resource] = viewer
        viewer.job = asyncio.create_task(self._serve(resource, viewer, view), name=f"whep-{resource}")
        return resource, pc.localDescription.sdp

    async def end(self, session_id: str, resource: str) -> bool:
        viewer = self._viewers.get(resource)
        if viewer is None or viewer.session_id != session_id:
            return False
        await self._finish(viewer)
        return True

    async def end_session(self, session_id: str) -> None:
        await asyncio.gather(*(self._finish(v) for v in list(self._viewers.values()) if v.session_id == session_id))

    async def close(self) -> None:
        await asyncio.gather(*(self._finish(v) for v in list(self._viewers.values())))

    async def _finish(self, viewer: Viewer) -> None:
        viewer.done.set()
        if viewer.job is not None:
            await asyncio.gather(viewer.job, return_exceptions=True)

    async def _serve(self, resource: str, viewer: Viewer, view: LiveView) -> None:
        pc = viewer.pc

        @pc.on("connectionstatechange")
        def changed() -> None:
            if pc.connectionState in ("failed", "closed"):
                viewer.done.set()

        try:
            async with view.watching():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.connect_timeout_s):
                        while pc.connectionState != "connected" and not viewer.done.is_set():
                            await _state_change(pc, viewer.done)
                if pc.connectionState == "connected":
                    await viewer.done.wait()
        except ViewEnded:
            pass
        except Exception:
            log.exception("WHEP viewer %s failed", resource)
        finally:
            self._viewers.pop(resource, None)
            viewer.track.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pc.close(), 5.0)


async def _state_change(pc: RTCPeerConnection, done: asyncio.Event) -> None:
    """Until the connection state changes or `done` is set."""
    changed = asyncio.Event()
    pc.once("connectionstatechange", changed.set)
    waits = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(done.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
