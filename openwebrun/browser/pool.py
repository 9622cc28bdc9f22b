"""A pool of Chromium processes handing out one browser context per session.

One process holds up to `contexts_per_browser` contexts. One process with room is kept warm so
that a session starts without a browser launch: when the last free place is taken, the next process
starts in the background, and an empty process closes only while another one has room. Every context
connects through the pool's reach proxy (reach_proxy.py), which applies the reach rules, on a
lane (a port) of its own that carries the context's avoided domains (`lane(context)`).

A session with a proxy gets a lane that goes out through it, after the proxy passed its check
(upstream.check: unreachable, refusing or bad credentials fail the start fast). At level "system"
the session also gets a Chromium process of its own, launched with the lane as its proxy and
closed with the session; at level "chrome" its context shares a process like any other.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from openwebrun.browser.launch import VIEWPORT, launch_chromium
from openwebrun.browser.reach import Reach
from openwebrun.browser.reach_proxy import Lane, ReachProxy
from openwebrun.browser.upstream import check as check_upstream
from openwebrun.domain.proxies import ProxyChoice

log = logging.getLogger(__name__)


class BrowserUnavailable(Exception):
    """Chromium could not be started."""


@dataclass
class _Process:
    browser: Browser
    contexts: set[BrowserContext] = field(default_factory=set)
    dedicated: bool = False  # one session's own process (proxy level "system"): shared with no other


class BrowserPool:
    def __init__(self, executable: str | None, *, headless: bool = True, contexts_per_browser: int = 5,
                 max_contexts: int | None = None, reach: Reach | None = None):
        """`max_contexts`: the sessions the caller allows at once; no spare process is started for more."""
        self.executable = executable
        self.headless = headless
        self.contexts_per_browser = contexts_per_browser
        self.max_contexts = max_contexts
        self.reach = reach or Reach()
        self._proxy = ReachProxy(self.reach)
        self._pw: Playwright | None = None
        self._processes: list[_Process] = []
        self._lanes: dict[BrowserContext, Lane] = {}
        self._lock = asyncio.Lock()
        self._warm = False
        self._spare: asyncio.Task | None = None  # a process being started before it is needed

    async def start(self, warm: bool = True) -> None:
        await self._proxy.start()
        self._pw = await async_playwright().start()
        self._warm = warm
        if warm:
            async with self._lock:
                await self._launch()

    @property
    def process_count(self) -> int:
        return len(self._processes)

    def process_of(self, context: BrowserContext) -> Browser | None:
        """The Chromium process a context lives in (a session with proxy level "system" has its own)."""
        return next((p.browser for p in self._processes if context in p.contexts), None)

    @property
    def context_count(self) -> int:
        return sum(len(p.contexts) for p in self._processes)

    async def _launch(self, proxy_server: str | None = None) -> _Process:
        if self._pw is None:
            raise BrowserUnavailable("the browser pool is not started")
        try:
            browser = await launch_chromium(self._pw, self.executable, headless=self.headless, proxy_server=proxy_server)
        except Exception as exc:  # Playwright raises plain Error for a missing/broken binary
            raise BrowserUnavailable(f"could not start Chromium ({self.executable or 'bundled'}): {exc}") from exc
        proc = _Process(browser, dedicated=proxy_server is not None)
        browser.on("disconnected", lambda _b: self._forget(proc))
        self._processes.append(proc)
        return proc

    def _has_room(self, proc: _Process) -> bool:
        return not proc.dedicated and len(proc.contexts) < self.contexts_per_browser and proc.browser.is_connected()

    def _keep_warm(self) -> None:
        """Start the next process in the background when no process has room left (under the lock)."""
        at_limit = self.max_contexts is not None and self.context_count >= self.max_contexts
        if self._warm and self._spare is None and not at_limit and not any(self._has_room(p) for p in self._processes):
            self._spare = asyncio.create_task(self._launch_spare(), name="browser-spare")

    async def _launch_spare(self) -> None:
        try:
            async with self._lock:
                if not any(self._has_room(p) for p in self._processes):
                    await self._launch()
        except Exception as exc:  # the next start launches (and reports) it itself
            log.warning("the spare browser did not start: %s", exc)
        finally:
            self._spare = None

    async def settled(self) -> None:
        """Returns once a spare process being started has started (or failed)."""
        if self._spare is not None:
            await asyncio.gather(self._spare, return_exceptions=True)

    def _forget(self, proc: _Process) -> None:
        if proc in self._processes:
            self._processes.remove(proc)

    async def new_context(self, proxy: ProxyChoice | None = None, **options: Any) -> BrowserContext:
        """A fresh context (viewport 1024x445, downloads on, behind the reach proxy); options go to Playwright.

        With `proxy`, the proxy is checked first (upstream.ProxyFailure when it cannot be used).
        """
        options.setdefault("viewport", dict(VIEWPORT))
        options.setdefault("accept_downloads", True)
        if self._pw is None:
            raise BrowserUnavailable("the browser pool is not started")
        if proxy is not None:
            await check_upstream(proxy.upstream, self.reach)
        lane = await self._proxy.open_lane(proxy.upstream if proxy else None)
        options["proxy"] = {"server": lane.url}
        try:
            async with self._lock:
                if proxy is not None and proxy.level == "system":
                    proc = await self._launch(proxy_server=lane.url)
                else:
                    shared = next((p for p in self._processes if self._has_room(p)), None)
                    proc = shared if shared is not None else await self._launch()
                try:
                    context = await proc.browser.new_context(**options)
                except BaseException:
                    if proc.dedicated:
                        self._forget(proc)
                        await self._close_browser(proc.browser)
                    raise
                proc.contexts.add(context)
                self._keep_warm()
        except BaseException:
            await self._proxy.close_lane(lane)
            raise
        self._lanes[context] = lane
        context.on("close", lambda _c: self._context_closed(proc, context))
        return context

    def lane(self, context: BrowserContext) -> Lane | None:
        """The proxy lane of a context of this pool (its avoided domains are set there)."""
        return self._lanes.get(context)

    def _context_closed(self, proc: _Process, context: BrowserContext) -> None:
        proc.contexts.discard(context)
        lane = self._lanes.pop(context, None)
        if lane is not None:
            asyncio.ensure_future(self._proxy.close_lane(lane))

    async def release(self, context: BrowserContext) -> None:
        """Close a context; a process left empty is closed while another process has room (one stays warm)."""
        try:
            await asyncio.wait_for(context.close(), timeout=10)
        except Exception as exc:  # a crashed browser: its context is gone anyway
            log.debug("context close failed: %s", exc)
        lane = self._lanes.pop(context, None)
        if lane is not None:
            await self._proxy.close_lane(lane)
        async with self._lock:
            for proc in list(self._processes):
                proc.contexts.discard(context)
                others_have_room = any(self._has_room(p) for p in self._processes if p is not proc)
                if not proc.contexts and (proc.dedicated or others_have_room):
                    self._processes.remove(proc)
                    await self._close_browser(proc.browser)

    async def _close_browser(self, browser: Browser) -> None:
        try:
            await asyncio.wait_for(browser.close(), timeout=10)
        except Exception as exc:
            log.warning("browser close failed: %s", exc)

    async def close(self) -> None:
        """Close every browser process and the Playwright driver."""
        self._warm = False
        await self.settled()
        async with self._lock:
            procs, self._processes = self._processes, []
            for proc in procs:
                await self._close_browser(proc.browser)
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None
        await self._proxy.close()
