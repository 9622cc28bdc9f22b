"""A CDP screencast of one tab at a time (`Page.startScreencast`): JPEG frames as the page paints.

Chromium sends a frame only when the page changes, and the next one only after the last is
acknowledged; the acknowledgement is held back so that frames come at most `max_fps` a second,
and until the receiver has taken the frame, so a busy receiver slows the screencast instead of
queueing frames. `show(page)` moves the screencast to another tab; `stop()` ends it and detaches
the CDP session, so an unwatched tab costs nothing.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page

log = logging.getLogger(__name__)

CDP_CALL_S = 5.0
FrameSink = Callable[[bytes, Page], Awaitable[None]]  # a JPEG and the tab it shows


class Screencast:
    def __init__(self, context: BrowserContext, on_frame: FrameSink, *, width: int, height: int,
                 max_fps: float = 30.0, quality: int = 70):
        self.context = context
        self.on_frame = on_frame
        self.width, self.height = width, height
        self.min_interval = 1.0 / max_fps
        self.quality = quality
        self.page: Page | None = None
        self._cdp: CDPSession | None = None
        self._lock = asyncio.Lock()
        self._last_frame = 0.0
        self._pending: set[asyncio.Task] = set()
        self._one_at_a_time = asyncio.Lock()  # Chromium keeps two frames in flight: handle them in turn
        self.frames = 0  # frames received since the screencast last started

    @property
    def active(self) -> bool:
        """A CDP session is attached and screencasting."""
        return self._cdp is not None

    async def show(self, page: Page | None) -> None:
        """Screencast `page` (None or a closed page: nothing)."""
        async with self._lock:
            if page is self.page and self._cdp is not None:
                return
            await self._detach()
            if page is None or page.is_closed():
                return
            try:
                cdp = await asyncio.wait_for(self.context.new_cdp_session(page), CDP_CALL_S)
                cdp.on("Page.screencastFrame", lambda params: self._received(cdp, params))
                await asyncio.wait_for(cdp.send("Page.startScreencast", {
                    "format": "jpeg", "quality": self.quality, "maxWidth": self.width, "maxHeight": self.height,
                    "everyNthFrame": 1}), CDP_CALL_S)
            except Exception as exc:  # the tab closed meanwhile; the next switch tries again
                log.debug("screencast could not start: %s", exc)
                return
            self._cdp, self.page, self.frames = cdp, page, 0

    async def stop(self) -> None:
        async with self._lock:
            await self._detach()

    async def _detach(self) -> None:
        cdp, self._cdp, self.page = self._cdp, None, None
        for job in list(self._pending):
            job.cancel()
        if cdp is None:
            return
        with contextlib.suppress(Exception):  # the tab may be gone already
            await asyncio.wait_for(cdp.send("Page.stopScreencast"), CDP_CALL_S)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(cdp.detach(), CDP_CALL_S)

    def _received(self, cdp: CDPSession, params: dict[str, Any]) -> None:
        job = asyncio.ensure_future(self._deliver(cdp, params))
        self._pending.add(job)
        job.add_done_callback(self._pending.discard)

    async def _deliver(self, cdp: CDPSession, params: dict[str, Any]) -> None:
        async with self._one_at_a_time:
            await self._deliver_one(cdp, params)

    async def _deliver_one(self, cdp: CDPSession, params: dict[str, Any]) -> None:
        page = self.page
        if cdp is not self._cdp or page is None:
            return
        self.frames += 1
        try:
            await self.on_frame(base64.b64decode(params["data"]), page)
        except Exception:
            log.exception("a screencast frame could not be used")
        wait = self._last_frame + self.min_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)  # pacing the screencast to max_fps, not a synchronisation
        self._last_frame = time.monotonic()
        if cdp is self._cdp:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]}),
                                       CDP_CALL_S)
