"""WHEP viewers of the live view (aiortc): one send-only peer connection per viewer.

The video track encodes the session's newest composed frame each time a new one is made (the
frame rate follows the page), and the last one again every second while nothing changes so that
a late or lossy viewer still gets a picture. H.264 is chosen when the viewer offers it, else VP8.
Encoding runs only while the viewer is connected: the peer is the viewer.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import fractions
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import av
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCSessionDescription,
    sdp,
)
from aiortc.mediastreams import VIDEO_TIME_BASE, MediaStreamError, MediaStreamTrack

from openwebrun.browser import stream_bar, stream_yuv
from openwebrun.domain.errors import Kind, Refused
from openwebrun.runtime.live_view import LiveView, ViewEnded

log = logging.getLogger(__name__)

KEEPALIVE_S = 1.0  # an unchanged picture is sent again this often
KEYFRAME_S = 3.0  # a keyframe at least this often
BITRATE = 2_000_000
MAX_HELD = 60  # packets held for one viewer before it is made to wait for a keyframe
NEGOTIATE_S = 15.0  # bound of answering an offer (gathering includes STUN/TURN servers)
CONNECT_S = 30.0  # a viewer that has not connected by then is dropped
CLOCK = 90000


class SharedEncoder:
    """One video encoder per session and codec: every WHEP viewer of that codec gets its packets.

    A frame is encoded once, whatever the number of viewers (aiortc's senders only packetize
    pre-encoded packets). A keyframe starts the stream for each new viewer and comes again every
    KEYFRAME_S, so a viewer that lost packets recovers without asking.
    """

    def __init__(self, view: LiveView, mime: str, on_idle: Callable[[SharedEncoder], None]):
        self.view = view
        self.mime = mime
        self.on_idle = on_idle
        self.tracks: set[PacketTrack] = set()
        self._codec: av.video.codeccontext.VideoCodecContext | None = None
        self._start = time.monotonic()
        self._last_pts = -1
        self._last_key = 0.0
        self._want_key = True
        self._job: asyncio.Task | None = None
        self.frames = 0

    def add(self, track: PacketTrack) -> None:
        self.tracks.add(track)
        self._want_key = True
        if self._job is None or self._job.done():
            self._job = asyncio.create_task(self._run(), name=f"encoder-{self.view.session_id}-{self.mime}")

    def remove(self, track: PacketTrack) -> None:
        self.tracks.discard(track)

    async def _run(self) -> None:
        version = 0
        try:
            async with self.view.watching():
                while self.tracks:
                    frame = await self.view.next_frame(version, timeout=KEEPALIVE_S)
                    if frame is None:
                        if self.view.ended:
                            break
                        continue  # nothing painted yet
                    version = frame.version
                    try:
                        planes = await self.view.planes(frame)
                    except Exception:  # a frame Chromium sent damaged: the next one replaces it
                        log.warning("a live view frame could not be decoded", exc_info=True)
                        continue
                    key = self._want_key or time.monotonic() - self._last_key >= KEYFRAME_S
                    self._want_key = False
                    packets = await asyncio.to_thread(self._encode, planes, key)
                    if key:
                        self._last_key = time.monotonic()
                    self.frames += 1
                    for track in list(self.tracks):
                        track.offer(packets, key)
        except ViewEnded:
            pass
        finally:
            if self.view.ended:
                for track in list(self.tracks):
                    track.offer(None, False)
            if self.tracks and not self.view.ended:  # a viewer came while this run was ending
                self._job = asyncio.create_task(self._run(), name=f"encoder-{self.view.session_id}-{self.mime}")
            else:
                self.on_idle(self)

    def _encode(self, planes: stream_yuv.Planes, key: bool) -> list[av.Packet]:
        if self._codec is None:
            self._codec = _codec_context(self.mime, stream_bar.WIDTH, stream_bar.HEIGHT)
        frame = stream_yuv.video_frame(planes)
        frame.pict_type = av.video.frame.PictureType.I if key else av.video.frame.PictureType.NONE
        self._last_pts = max(self._last_pts + 1, int((time.monotonic() - self._start) * CLOCK))
        frame.pts, frame.time_base = self._last_pts, VIDEO_TIME_BASE
        packets = []
        for packet in self._codec.encode(frame):
            packet.pts, packet.time_base = self._last_pts, VIDEO_TIME_BASE
            packets.append(packet)
        return packets


def _codec_context(mime: str, width: int, height: int) -> av.video.codeccontext.VideoCodecContext:
    if mime == "video/h264":
        codec = av.CodecContext.create("libx264", "w")
        codec.options = {"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline", "level": "31",
                         "threads": "1"}  # at this size one thread is enough, and costs less than sliced threads
    else:
        codec = av.CodecContext.create("libvpx", "w")
        codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0", "error-resilient": "1"}
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate = BITRATE
    codec.time_base = VIDEO_TIME_BASE
    codec.framerate = fractions.Fraction(30, 1)
    return codec  # type: ignore[return-value]


class PacketTrack(MediaStreamTrack):
    """One viewer's video: the shared encoder's packets, in order. A viewer too slow to take them
    drops what it holds and waits for the next keyframe (it never holds more than MAX_HELD)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._held: collections.deque[av.Packet | None] = collections.deque()
        self._ready = asyncio.Event()
        self._waiting_key = True  # a stream starts with a keyframe
        self.sent = 0

    def offer(self, packets: list[av.Packet] | None, key: bool) -> None:
        if packets is None:
            self._held.append(None)
        else:
            if key:
                self._waiting_key = False
            if self._waiting_key:
                return
            if len(self._held) + len(packets) > MAX_HELD:
                self._held.clear()
                self._waiting_key = True
                return
            self._held.extend(packets)
        self._ready.set()

    async def recv(self) -> av.Packet:
        while not self._held:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        packet = self._held.popleft()
        if packet is None:
            self.stop()
            raise MediaStreamError
        self.sent += 1
        return packet


def codec_preferences() -> list[RTCRtpCodecCapability]:
    """H.264 first, then VP8, each with its retransmission codec."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    order = ("video/h264", "video/vp8", "video/rtx")
    return sorted((c for c in codecs if c.mimeType.lower() in order), key=lambda c: order.index(c.mimeType.lower()))


def sent_codec(answer_sdp: str) -> str | None:
    """The video codec an answer sends with (its first one), as a lower-case MIME type."""
    for media in sdp.SessionDescription.parse(answer_sdp).media:
        if media.kind == "video" and media.direction in ("sendonly", "sendrecv"):
            for codec in media.rtp.codecs:
                if codec.mimeType.lower() in ("video/h264", "video/vp8"):
                    return codec.mimeType.lower()
    return None


def ice_servers(configured: Sequence[dict[str, Any]]) -> list[RTCIceServer]:
    """WebRTC's iceServers entries (`urls`, `username`, `credential`) as aiortc's objects."""
    return [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in configured]


_gathering_on: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("gathering_on", default=())
_every_host_address = aioice.ice.get_host_addresses


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    chosen = _gathering_on.get()
    if not chosen:
        return _every_host_address(use_ipv4, use_ipv6)
    return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


aioice.ice.get_host_addresses = _host_addresses  # aioice has no option: its lookup reads the gathering's context


@contextlib.contextmanager
def gathering_on(addresses: Sequence[str]) -> Iterator[None]:
    """ICE host candidates gathered in this block (and the tasks it starts) are on these local
    addresses only; none given: every interface but loopback, as aioice does."""
    token = _gathering_on.set(tuple(addresses))
    try:
        yield
    finally:
        _gathering_on.reset(token)


def announce_address(answer_sdp: str, address: str) -> str:
    """The answer with its host candidates (and connection lines) on `address`: the one viewers
    reach this machine at through a 1:1 NAT, which forwards the same ports to the local address."""
    lines = []
    for line in answer_sdp.split("\r\n"):
        if line.startswith("a=candidate:"):
            parts = line.split(" ")
            if len(parts) > 7 and parts[7] == "host":
                parts[4] = address
                line = " ".join(parts)
        elif line.startswith("c=IN "):
            line = f"c=IN {'IP6' if ':' in address else 'IP4'} {address}"
        lines.append(line)
    return "\r\n".join(lines)


@dataclass
class Viewer:
    session_id: str
    pc: RTCPeerConnection
    track: PacketTrack
    mime: str  # the codec negotiated: video/h264 or video/vp8
    done: asyncio.Event = field(default_factory=asyncio.Event)
    job: asyncio.Task | None = None


class WhepPeers:
    def __init__(self, ice_servers: Sequence[RTCIceServer] = (), *, connect_timeout_s: float = CONNECT_S,
                 media_address: str = "", host_addresses: Sequence[str] = ()):
        self.ice_servers = list(ice_servers)  # none: host candidates only (aiortc's default would ask Google's STUN)
        self.host_addresses = tuple(host_addresses)  # offered as host candidates (gathering_on)
        self.media_address = media_address  # announced in host candidates (announce_address)
        self.connect_timeout_s = connect_timeout_s
        self._viewers: dict[str, Viewer] = {}
        self._encoders: dict[tuple[str, str], SharedEncoder] = {}

    def count(self, session_id: str | None = None) -> int:
        return sum(1 for v in self._viewers.values() if session_id is None or v.session_id == session_id)

    async def answer(self, session_id: str, view: LiveView, offer_sdp: str) -> tuple[str, str]:
        """A new viewer: (resource id, answer SDP). Refused BAD_OFFER when the offer cannot be used."""
        if view.ended:
            raise ViewEnded()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers))
        track = PacketTrack()
        transceiver = pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(codec_preferences())
        try:
            with gathering_on(self.host_addresses):
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
        mime = sent_codec(pc.localDescription.sdp)
        if mime is None:
            await pc.close()
            raise Refused("BAD_OFFER", "The offer has no H.264 or VP8 video to receive.")
        resource = secrets.token_urlsafe(16)
        viewer = Viewer(session_id, pc, track, mime)
        self._viewers[resource] = viewer
        viewer.job = asyncio.create_task(self._serve(resource, viewer, view), name=f"whep-{resource}")
        answer = pc.localDescription.sdp
        return resource, announce_address(answer, self.media_address) if self.media_address else answer

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

    def _encoder(self, session_id: str, mime: str, view: LiveView) -> SharedEncoder:
        key = (session_id, mime)
        encoder = self._encoders.get(key)
        if encoder is None or encoder.view is not view:
            encoder = self._encoders[key] = SharedEncoder(view, mime, lambda e: self._idle(key, e))
        return encoder

    def _idle(self, key: tuple[str, str], encoder: SharedEncoder) -> None:
        if self._encoders.get(key) is encoder:
            del self._encoders[key]

    def encoding(self) -> int:
        """Encoders running now (one per watched session and codec)."""
        return len(self._encoders)

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
            async with view.watching():  # the screencast starts while the viewer connects
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.connect_timeout_s):
                        while pc.connectionState != "connected" and not viewer.done.is_set():
                            await _state_change(pc, viewer.done)
                if pc.connectionState == "connected" and not viewer.done.is_set():
                    encoder = self._encoder(viewer.session_id, viewer.mime, view)
                    encoder.add(viewer.track)
                    try:
                        await viewer.done.wait()
                    finally:
                        encoder.remove(viewer.track)
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
