"""The live view of one session: the newest 1024x600 frame, made only while someone watches.

The first viewer starts the screencast of the active tab and the listeners that keep the drawn
browser bar true (tabs, URL, who is in control); the last one to leave stops them all, so an
unwatched session costs nothing. Viewers read the newest frame and skip the rest.

A frame is the bar, drawn when its state changes, and Chromium's JPEG of the page, kept as it came.
What a viewer needs is made from them on first use and kept with them, once for every viewer:
the bar's JPEG and video planes once per bar, the composed JPEG and the video planes once per frame.
The player page composes bar and page itself, so for it the page's JPEG is never decoded.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from PIL import Image
from playwright.async_api import Frame as PlaywrightFrame
from playwright.async_api import Page

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.browser import stream_bar, stream_yuv
from openwebrun.browser.screencast import Screencast
from openwebrun.browser.stream_bar import BarState, Tab
from openwebrun.domain.events import SessionClosed
from openwebrun.runtime.events import EventHub, Subscription

log = logging.getLogger(__name__)

TITLE_S = 1.0  # a tab whose title cannot be read this fast (a dialog is open) shows its URL
TITLE_REFRESH_S = 1.0  # titles set by scripts are read again at most this often while frames come
PART_BAR, PART_PAGE = b"\x00", b"\x01"  # the first byte of a frame part: what the JPEG after it is
CONTROL = {"idle": "idle", "running": "agent", "paused": "paused", "taken_over": "human",
           "waiting_human": "waiting"}


class ViewEnded(Exception):
    """The session ended: there is nothing more to watch."""


@dataclass(eq=False)
class Bar:
    """The drawn browser bar of one state, and its forms made on first use."""
    image: Image.Image  # 1024x155 RGB
    jpeg: bytes | None = None
    planes: stream_yuv.Planes | None = None


@dataclass(eq=False)
class Frame:
    version: int
    bar: Bar
    page: bytes  # Chromium's JPEG of the page (1024x445), as it came
    jpeg: bytes | None = None  # the composed 1024x600 frame, made on first use
    planes: stream_yuv.Planes | None = None  # the composed frame as yuv420p, made on first use


class LiveView:
    def __init__(self, session_id: str, env: BrowserEnv, hub: EventHub, control: Callable[[], str], *,
                 max_fps: float = 30.0, quality: int = 70):
        self.session_id = session_id
        self.env = env
        self.hub = hub
        self.control = control  # the session's state word (SessionInfo.state)
        self.quality = quality
        self.screencast = Screencast(env.context, self._page_frame, width=stream_bar.WIDTH,
                                     height=stream_bar.PAGE_HEIGHT, max_fps=max_fps, quality=quality)
        self.viewers = 0
        self.jpeg_viewers = 0
        self.ended = False
        self.frame: Frame | None = None
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._bar_state: BarState | None = None
        self._bar: Bar | None = None
        self._page: bytes | None = None  # the newest JPEG of the screencast's tab
        self._decoder = stream_yuv.PageDecoder()
        self._making = asyncio.Lock()  # one frame's forms are made once, whoever asks first
        self._titles: dict[Page, str] = {}
        self._titles_read = 0.0
        self._refresh: asyncio.Task | None = None
        self._refresh_again = False
        self._events: Subscription | None = None
        self._listener: asyncio.Task | None = None
        self._pages: list[Page] = []
        self._jobs: set[asyncio.Future] = set()

    @property
    def screencasting(self) -> bool:
        return self.screencast.active

    # --- viewers -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def watching(self, *, jpeg: bool = False) -> AsyncIterator[LiveView]:
        """Count a viewer in while the block runs; ViewEnded when the session has ended."""
        if self.ended:
            raise ViewEnded()
        self.viewers += 1
        self.jpeg_viewers += int(jpeg)
        try:
            if self.viewers == 1:
                await self._start()
            yield self
        finally:
            self.viewers -= 1
            self.jpeg_viewers -= int(jpeg)
            if self.viewers == 0:
                await self._stop()

    async def next_frame(self, after: int, timeout: float | None = None) -> Frame | None:
        """The newest frame newer than version `after`; the newest one after `timeout`; None once ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.ended:
            if self.frame is not None and self.frame.version > after:
                return self.frame
            changed = self._changed
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return self.frame
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return None

    async def jpeg(self, frame: Frame) -> bytes:
        """The composed 1024x600 frame as JPEG."""
        if frame.jpeg is None:
            async with self._making:
                if frame.jpeg is None:
                    frame.jpeg = await asyncio.to_thread(self._compose_jpeg, frame)
        return frame.jpeg

    async def bar_jpeg(self, bar: Bar) -> bytes:
        """The bar alone as JPEG (1024x155)."""
        if bar.jpeg is None:
            async with self._making:
                if bar.jpeg is None:
                    bar.jpeg = await asyncio.to_thread(stream_bar.encode, bar.image, self.quality)
        return bar.jpeg

    async def planes(self, frame: Frame) -> stream_yuv.Planes:
        """The composed frame as yuv420p planes, for the video encoders."""
        if frame.planes is None:
            async with self._making:
                if frame.planes is None:
                    frame.planes = await asyncio.to_thread(self._compose_planes, frame)
        return frame.planes

    def _compose_jpeg(self, frame: Frame) -> bytes:
        return stream_bar.encode(stream_bar.compose(frame.bar.image, stream_bar.decode(frame.page)), self.quality)

    def _compose_planes(self, frame: Frame) -> stream_yuv.Planes:
        if frame.bar.planes is None:
            frame.bar.planes = stream_yuv.bar_planes(frame.bar.image)
        return stream_yuv.compose(frame.bar.planes, self._decoder.planes(frame.page))

    async def close(self) -> None:
        """The session ends: viewers are woken and told (next_frame answers None)."""
        self.ended = True
        self._signal()
        await self._stop()

    # --- start and stop ------------------------------------------------------------
    async def _start(self) -> None:
        async with self._lock:
            if self.viewers == 0 or self._events is not None or self.ended:
                return
            self._events = self.hub.subscribe(self.session_id, maxsize=100)
            self._listener = asyncio.create_task(self._follow_events(self._events), name=f"view-{self.session_id}")
            self.env.page_listeners.append(self._on_switch)
            self.env.context.on("page", self._on_new_tab)
            for page in self.env.open_pages():
                self._listen(page)
            await self._refresh_bar()
            await self.screencast.show(self.env.page)

    async def _stop(self) -> None:
        async with self._lock:
            if self.viewers > 0 and not self.ended or self._events is None:
                return
            self._events.close()
            self._events = None
            if self._listener is not None:
                self._listener.cancel()
                await asyncio.gather(self._listener, return_exceptions=True)
            if self._refresh is not None:
                self._refresh.cancel()
                await asyncio.gather(self._refresh, return_exceptions=True)
            with contextlib.suppress(ValueError):
                self.env.page_listeners.remove(self._on_switch)
            with contextlib.suppress(Exception):
                self.env.context.remove_listener("page", self._on_new_tab)
            for page in self._pages:
                self._unlisten(page)
            self._pages.clear()
            await self.screencast.stop()
            self._page = None  # a later viewer starts from a fresh screencast frame

    # --- what changes the bar --------------------------------------------------------
    def _listen(self, page: Page) -> None:
        page.on("framenavigated", self._on_navigated)
        page.on("load", self._on_tab_changed)
        page.on("close", self._on_tab_changed)
        self._pages.append(page)

    def _unlisten(self, page: Page) -> None:
        for event, handler in (("framenavigated", self._on_navigated), ("load", self._on_tab_changed),
                               ("close", self._on_tab_changed)):
            with contextlib.suppress(Exception):
                page.remove_listener(event, handler)

    def _on_new_tab(self, page: Page) -> None:
        self._listen(page)
        self._bar_changed()

    def _on_navigated(self, frame: PlaywrightFrame) -> None:
        if frame.parent_frame is None:
            self._bar_changed()

    def _on_tab_changed(self, page: Page) -> None:
        self._bar_changed()

    def _on_switch(self, page: Page | None) -> None:
        self._page = None  # the old tab's picture is not shown under the new tab's bar
        self._bar_changed()
        if self.viewers:
            job = asyncio.ensure_future(self.screencast.show(page))
            self._jobs.add(job)
            job.add_done_callback(self._jobs.discard)

    async def _follow_events(self, events: Subscription) -> None:
        async for event in events:  # control changes: pause, takeover, a question, a task's start or end
            if isinstance(event, SessionClosed):
                return
            self._bar_changed()

    def _bar_changed(self) -> None:
        if self._events is None:
            return
        if self._refresh is not None and not self._refresh.done():
            self._refresh_again = True
            return
        self._refresh = asyncio.ensure_future(self._refresh_bar())

    async def _refresh_bar(self) -> None:
        while True:
            self._refresh_again = False
            try:
                state = await self._read_bar()
            except Exception as exc:  # the context closed under us
                log.debug("browser bar not read: %s", exc)
                return
            if state != self._bar_state:
                self._bar_state = state
                self._bar = Bar(await asyncio.to_thread(stream_bar.draw_bar, state))
                if self._page is not None:
                    self._publish(self._page)
            if not self._refresh_again:
                return

    async def _read_bar(self) -> BarState:
        pages = self.env.open_pages()
        titles = await asyncio.gather(*(self._title(page) for page in pages))
        self._titles_read = time.monotonic()
        active = self.env.page
        url = active.url if active is not None and not active.is_closed() else ""
        control = CONTROL.get(self.control(), "idle") if not self.ended else "ended"
        return BarState(tuple(Tab(title, page is active) for page, title in zip(pages, titles, strict=True)),
                        url, control)

    async def _title(self, page: Page) -> str:
        try:
            title = await asyncio.wait_for(page.title(), TITLE_S)
        except Exception:
            title = self._titles.get(page) or page.url
        self._titles[page] = title
        return title or page.url

    # --- frames --------------------------------------------------------------------
    async def _page_frame(self, jpeg: bytes, tab: Page) -> None:
        if self._bar is None or tab is not self.screencast.page or tab is not self.env.page:
            return  # no bar yet, or the agent switched tabs: the old tab's frames are not shown any more
        self._page = jpeg
        self._publish(jpeg)
        if time.monotonic() - self._titles_read > TITLE_REFRESH_S:
            self._bar_changed()  # a script may have set a new title

    def _publish(self, page: bytes) -> None:
        assert self._bar is not None
        version = self.frame.version + 1 if self.frame else 1
        self.frame = Frame(version, self._bar, page)
        self._signal()

    def _signal(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
