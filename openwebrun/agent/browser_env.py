"""The agent's browser: one Playwright context, its tabs, what the model sees and what it does.

Listeners record visited URLs, downloads and JS dialogs; dialogs stay open until the model
answers them with the dialog action. Element numbers are valid for the last observe() only.
A context init script (dom/listeners.js) marks elements that get click listeners from page scripts,
so that the page state can number them.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Dialog, Download, ElementHandle, Frame, Page, Request
from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions.runner import Around, Handler, run_batch
from openwebrun.agent.dom.capture import Capture, ElementRef, capture_page
from openwebrun.agent.dom.scripts import DETACHED, RESOLVE, script
from openwebrun.agent.dom.state_text import render_state
from openwebrun.agent.env import ActionResult, PageState
from openwebrun.agent.masking import SecretMasker
from openwebrun.browser.reach import Reach
from openwebrun.browser.reach_proxy import Lane
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.models import DownloadedFile, SecretEntry, VisitedUrl
from openwebrun.domain.policies import Decision, Policy, domain_decision
from openwebrun.domain.site_rules import SecretBook, avoided

log = logging.getLogger(__name__)

GOTO_ATTEMPTS = 3
SETTLE_S = 10.0  # longest wait for a navigation started by an action
DOWNLOAD_SAVE_S = 60.0
CALL_S = 5.0  # bound of small page calls (title, resolve)


class ElementError(Exception):
    """An element number the model gave cannot be used; the message is for the model."""


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def now_ms() -> float:
    return time.time() * 1000


class BrowserEnv:
    def __init__(self, context: BrowserContext, *, downloads_dir: Path, files: dict[str, Path] | None = None,
                 navigation_timeout_ms: int = 30000, secret_values: Iterable[str] = (),
                 reach: Reach | None = None, lane: Lane | None = None):
        self.context = context
        self.reach = reach or Reach()  # checked before each navigation; the pool's proxy enforces it
        self.lane = lane  # the context's proxy lane: enforces avoid_domains in the network layer
        self.avoid_domains: tuple[str, ...] = ()
        self.policy: Policy | None = None  # the session's automation policy (set_policy)
        self.approved_hosts: set[str] = set()  # guardrail domains a person approved in this session
        self.on_policy_refusal: Callable[[str, Decision], None] | None = None  # the running task's audit
        self.download_gate: Callable[[str, str], str | None] | None = None  # why a download is refused, or None
        self.notes: list[str] = []  # what the model should hear next step (a refused download)
        self.secret_book = SecretBook()  # the session's secrets (memory only, dropped at close)
        self.downloads_dir = Path(downloads_dir)
        self.files: dict[str, Path] = {}
        self.set_files(files or {})
        self.navigation_timeout_ms = navigation_timeout_ms
        self.vision = False  # the model sees a screenshot: coordinate actions (click_at) are allowed
        self.secrets: list[str] = []
        self.set_secret_values(secret_values)
        self.answers: list[str] = []  # people's answers to the agent: the model reads them, records never do
        self._answer_masker = SecretMasker(())
        self.visited_urls: list[VisitedUrl] = []
        self.downloads: list[DownloadedFile] = []
        self._page: Page = None  # type: ignore[assignment]  # the active tab; None only before the first
        self.page_listeners: list[Callable[[Page | None], None]] = []  # told when the active tab changes
        self.last_state: PageState | None = None
        self.nav_commits = 0  # main-frame navigations of the active tab (any tab counts)
        self.nav_pending: set[Request] = set()
        self.failed_navigation: dict[Page, str] = {}  # per tab: the URL its last failed navigation asked for
        self.dialogs: dict[Page, Dialog] = {}
        self._version = 0
        self._refs: dict[int, ElementRef] = {}
        self._stale: str | None = None
        self._saving: set[asyncio.Task] = set()
        self._watched: list[Page] = []
        self._closed = False
        self._init_script: asyncio.Future | None = None
        try:  # started now so that it is in place before the first navigation; awaited by ensure_page
            asyncio.get_running_loop()
            self._init_script = asyncio.ensure_future(self._add_init_script())
        except RuntimeError:
            pass  # built outside the event loop: added on the first ensure_page
        context.on("page", self._on_page)
        context.on("request", self._on_any_request)
        for page in context.pages:
            self._watch(page)
        if context.pages:
            self.page = context.pages[-1]

    @property
    def page(self) -> Page:
        return self._page

    @page.setter
    def page(self, page: Page) -> None:
        changed = page is not self._page
        self._page = page
        if changed:
            for listener in list(self.page_listeners):
                listener(page)

    # --- listeners ------------------------------------------------------------------
    def _watch(self, page: Page) -> None:
        page.on("framenavigated", self._on_navigated)
        page.on("dialog", self._on_dialog)
        page.on("download", self._on_download)
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_request_end)
        page.on("requestfailed", self._on_request_end)
        page.on("close", self._on_close)
        self._watched.append(page)

    def _on_page(self, page: Page) -> None:
        if self._closed:
            return
        self._watch(page)
        self.page = page  # a new tab (target=_blank, window.open) becomes the active one
        if page.url and not page.url.startswith("about:"):
            self._on_navigated(page.main_frame)

    def _on_navigated(self, frame: Frame) -> None:
        if frame.parent_frame is not None:
            return
        self.nav_commits += 1
        self.dialogs.pop(frame.page, None)  # a new document closes the old one's dialog
        url = frame.url
        if url.startswith(("about:", "chrome-error:", "data:")) or (self.avoid_domains and self.avoided(url)):
            return  # an avoided URL is logged once, as blocked, by _on_any_request
        if not self.visited_urls or self.visited_urls[-1].url != url:
            self.visited_urls.append(VisitedUrl(url=url, timestamp=now_ms()))

    def _on_any_request(self, request: Request) -> None:
        """Every request of the context (a popup's first one included): avoided ones are logged."""
        if self.avoid_domains and not self._closed and self.avoided(request.url):
            self.visited_urls.append(VisitedUrl(url=request.url, timestamp=now_ms(), blocked=True))

    def _on_request(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.nav_pending.add(request)

    def _on_request_end(self, request: Request) -> None:
        if request in self.nav_pending and request.failure:
            self.failed_navigation[request.frame.page] = request.url  # explained by observe
        self.nav_pending.discard(request)

    def _on_dialog(self, dialog: Dialog) -> None:
        if dialog.page is not None:
            self.dialogs[dialog.page] = dialog  # kept open until the dialog action answers it

    def _on_download(self, download: Download) -> None:
        task = asyncio.ensure_future(self._save(download))
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    def _on_close(self, page: Page) -> None:
        self.dialogs.pop(page, None)
        self.failed_navigation.pop(page, None)
        if page is self.page:
            open_pages = [p for p in self.context.pages if not p.is_closed()]
            self.page = open_pages[-1] if open_pages else None  # type: ignore[assignment]

    async def _save(self, download: Download) -> None:
        self.downloads_dir.mkdir(parents=True, exist_ok=True)
        name = Path(self.mask(download.suggested_filename or "download")).name or "download"
        if self.download_gate is not None and (why := self.download_gate(download.url, name)):
            self.notes.append(f"The download of {name} was stopped and not kept: {why}")
            try:
                await asyncio.wait_for(download.cancel(), CALL_S)
            except Exception as exc:  # already finished or the page is gone: it is not saved either way
                log.debug("download cancel failed: %s", exc)
            return
        target = self.downloads_dir / name
        n = 1
        while target.exists():
            target = self.downloads_dir / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        try:
            await asyncio.wait_for(download.save_as(target), DOWNLOAD_SAVE_S)
        except Exception as exc:
            log.warning("download of %s failed: %s", download.url, exc)
            return
        self.downloads.append(DownloadedFile(source=download.url, filename=target.name, path=str(target),
                                             timestamp=now_ms()))

    async def wait_for_downloads(self, timeout: float = DOWNLOAD_SAVE_S) -> None:
        if self._saving:
            await asyncio.wait(set(self._saving), timeout=timeout)

    async def _add_init_script(self) -> None:
        try:
            await asyncio.wait_for(self.context.add_init_script(script("listeners")), CALL_S)
        except Exception as exc:  # a closed context; the state then misses script-bound clickables
            log.warning("could not add the listener init script: %s", exc)

    async def ready(self) -> None:
        """The init script is installed (documents loaded from now on get it)."""
        if self._init_script is None:
            self._init_script = asyncio.ensure_future(self._add_init_script())
        await self._init_script

    # --- tabs -----------------------------------------------------------------------
    def open_pages(self) -> list[Page]:
        return [p for p in self.context.pages if not p.is_closed()]

    async def ensure_page(self) -> Page:
        await self.ready()
        if self.page is None or self.page.is_closed():
            pages = self.open_pages()
            self.page = pages[-1] if pages else await self.context.new_page()
        return self.page

    async def tabs(self) -> list[dict[str, Any]]:
        pages = self.open_pages()
        titles = await asyncio.gather(*(self._title(p) for p in pages))
        return [{"index": i, "url": p.url, "title": t, "active": p is self.page} for i, (p, t) in enumerate(zip(pages, titles))]

    async def _title(self, page: Page) -> str:
        if page in self.dialogs:
            return ""
        try:
            return await asyncio.wait_for(page.title(), 1.0)
        except Exception:
            return ""

    # --- observing --------------------------------------------------------------------
    async def observe(self) -> PageState:
        """Capture the active tab; the element numbers of earlier states stop being valid."""
        self.check_alive()
        page = await self.ensure_page()
        await self.settle(self.nav_commits, quick=True)
        self._version += 1
        tabs = await self.tabs()
        dialog = self.dialogs.get(page)
        capture: Capture | None = None
        if dialog is None:
            capture = await capture_page(page, self._version)
            if not capture.lines and capture.frame_errors:  # caught mid-navigation: once more after it
                await self.settle(self.nav_commits, quick=False)
                capture = await capture_page(page, self._version)
        self._refs = capture.refs if capture else {}
        self._stale = None
        title = capture.title if capture else ""
        dialog_info = None if dialog is None else {"type": dialog.type, "message": dialog.message,
                                                   "default": dialog.default_value}
        text = render_state(page.url, title, tabs, capture, dialog_info)
        if self.avoid_domains and (domain := self.avoided(page.url)):
            text = f"The browser refused to open {page.url}: it is blocked by the task's avoidDomains ({domain})\n{text}"
        elif page.url.startswith("chrome-error:") and (failed := self.failed_navigation.get(page)):
            refused = await self.refusal(failed)  # refused by the network layer (a link, a redirect)
            if refused:
                text = f"The browser refused to open {failed}: {refused}\n{text}"
        state = PageState(url=page.url, title=title, text=self.mask(text), element_count=len(self._refs),
                          version=self._version, tabs=tabs,
                          dialog=self.mask(dialog.message) if dialog else None,
                          capture_ms=capture.ms if capture else 0.0)
        self.last_state = state
        return state

    def set_secret_values(self, values: Iterable[str]) -> None:
        """Values never shown to the model (masked as •••), e.g. the current task's secrets."""
        self.secrets = sorted({v for v in values if v}, key=len, reverse=True)
        self._masker = SecretMasker(self.secrets)

    def add_secrets(self, entries: Iterable[SecretEntry]) -> None:
        """A task's secrets join the session's (typed through placeholders, masked everywhere)."""
        self.secret_book.add((e.match, e.fields) for e in entries)
        self.set_secret_values(self.secret_book.values())

    def set_avoid_domains(self, domains: Iterable[str]) -> None:
        """The running task's avoidDomains, enforced by the context's proxy lane ([] at task end)."""
        self.avoid_domains = tuple(domains)
        if self.lane is not None:
            self.lane.avoid = self.avoid_domains

    def set_policy(self, policy: Policy | None) -> None:
        """The session's automation policy: its domain rules are enforced in the network layer too
        (the lane), so navigations set off by clicks, redirects and sub-requests are covered."""
        self.policy = policy
        if self.lane is not None:
            self.lane.judge = self.policy_refusal if policy is not None else None

    def policy_refusal(self, host: str) -> str | None:
        """Why the policy's domain rules refuse `host` ("blocked by policy ..."), or None. A guardrail
        domain passes once a person approved a navigation to it in this session."""
        if self.policy is None:
            return None
        decision = domain_decision(self.policy, host)
        if decision.decision == "allow" or (decision.decision == "guardrail" and host.lower() in self.approved_hosts):
            return None
        if self.on_policy_refusal is not None:
            self.on_policy_refusal(host, decision)
        if decision.decision == "guardrail":
            return (f"held by policy {self.policy.name!r} ({decision.reason}): it needs a person's approval; "
                    "open it with the navigate action to ask for it")
        return f"blocked by policy {self.policy.name!r} ({decision.reason})"

    def take_notes(self) -> list[str]:
        notes, self.notes = self.notes, []
        return notes

    @property
    def proxied_bytes(self) -> int:
        """Bytes this context carried through the session's proxy so far (0 without one)."""
        return self.lane.proxied_bytes if self.lane is not None else 0

    def avoided(self, url: str) -> str | None:
        """The avoided domain covering `url`'s host, or None."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return None
        return avoided(host, self.avoid_domains) if host else None

    def mask(self, text: str) -> str:
        return self._masker(text)

    def add_answer(self, value: str) -> None:
        """A person's answer: masked in everything recorded (not in what the model reads)."""
        self.answers = sorted({*self.answers, value} - {""}, key=len, reverse=True)
        self._answer_masker = SecretMasker(self.answers)

    def mask_record(self, text: str) -> str:
        """Masking for what is stored or returned: secret values and people's answers."""
        return self._answer_masker(self.mask(text))

    def element_line(self, index: Any) -> str:
        """What the last state showed for element [index] ("" when there is none)."""
        ref = self._refs.get(index) if isinstance(index, int) else None
        return ref.line.strip() if ref is not None else ""

    def mark_stale(self, reason: str) -> None:
        self._stale = reason

    async def element(self, index: int) -> tuple[ElementHandle, ElementRef]:
        """The live element behind number `index` of the last state; ElementError when unusable."""
        if self._version == 0:
            raise ElementError("there is no page state yet: the page must be observed first")
        if self._stale:
            raise ElementError(f"element [{index}] is stale: {self._stale}. Use the numbers of the new page state.")
        ref = self._refs.get(index)
        if ref is None:
            top = f" (numbers go from 1 to {len(self._refs)})" if self._refs else " (the page has no numbered elements)"
            raise ElementError(f"there is no element [{index}] in the current page state{top}")
        try:
            handle = await asyncio.wait_for(ref.frame.evaluate_handle(RESOLVE, [self._version, ref.local]), CALL_S)
        except Exception:
            raise ElementError(f"element [{index}] is stale: its page or frame has changed since the last state") from None
        element = handle.as_element()
        if element is None:
            reason = await handle.json_value()
            raise ElementError(f"element [{index}] is stale: "
                               + ("it was removed from the page" if reason == "detached" else "the page has changed")
                               + " since the last state")
        return element, ref

    async def detached_count(self) -> int:
        """Numbered elements of the main frame that left the document since observe (-1: new document)."""
        page = self.page
        if page is None or page in self.dialogs or not self._refs:
            return 0
        try:
            return int(await asyncio.wait_for(page.main_frame.evaluate(DETACHED, self._version), 2.0))
        except Exception:
            return -1

    # --- acting -----------------------------------------------------------------------
    async def execute(self, actions: list[dict], around: Around | None = None,
                      handlers: dict[str, Handler] | None = None) -> list[ActionResult]:
        """Run a batch in order; stops after an error, done, or an action that changed the page."""
        self.check_alive()
        await self.ensure_page()
        results = await run_batch(self, actions, around, handlers)
        self.check_alive()
        await self.wait_for_downloads(timeout=10.0)
        return results

    async def settle(self, commits_before: int, quick: bool = False, watch_s: float = 0.05) -> None:
        """Let what an action set off show itself (for up to `watch_s`: a navigation, a new tab, a
        dialog), then let a started navigation commit and load (bounded)."""
        page = self.page
        if page is None:
            return
        deadline = time.monotonic() + SETTLE_S
        if not quick:
            tabs = len(self.context.pages)
            until = time.monotonic() + watch_s
            while time.monotonic() < until:
                await asyncio.sleep(0.025)
                if (self.page is not page or len(self.context.pages) != tabs or page in self.dialogs
                        or self.is_loading(page) or self.nav_commits != commits_before):
                    break
            page = self.page or page
        while self.is_loading(page) and self.nav_commits == commits_before and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.nav_commits != commits_before or self.is_loading(page):
            try:
                await page.wait_for_load_state("load", timeout=max(100, (deadline - time.monotonic()) * 1000))
            except PlaywrightError:
                pass  # still loading: the state will say what is there so far

    def is_loading(self, page: Page) -> bool:
        """A main-frame navigation of `page` has been requested and has not finished."""
        return any(r.frame.page is page for r in list(self.nav_pending))

    def check_alive(self) -> None:
        """Raise BROWSER_CRASHED when the browser behind this context is gone."""
        browser = self.context.browser
        if browser is not None and not browser.is_connected():
            raise TaskFailure(ErrorCode.BROWSER_CRASHED, "The browser process is gone.")

    async def goto(self, url: str) -> None:
        """Open the task's starting point; retries, then fails the task with NAVIGATION_TIMEOUT.

        Returns early when the page opens a JS dialog while loading (an alert() in an inline script
        holds the load until it is answered): the next state shows the dialog.
        """
        self.check_alive()
        refused = await self.refusal(url)
        if refused:
            raise TaskFailure(ErrorCode.POLICY_BLOCKED, f"Could not open {url}: {refused}")
        page = await self.ensure_page()
        old = self.dialogs.pop(page, None)
        if old is not None:  # left open on the old document, which this navigation replaces
            try:
                await asyncio.wait_for(old.dismiss(), CALL_S)
            except Exception:
                pass
        last = ""
        for attempt in range(GOTO_ATTEMPTS):
            commits = self.nav_commits
            try:
                await self.guarded(page.goto(url, timeout=self.navigation_timeout_ms, wait_until="load"))
                return
            except PlaywrightError as exc:
                self.check_alive()
                last = str(exc).splitlines()[0]
                if "Timeout" in last and self.nav_commits > commits and not page.url.startswith("chrome-error:"):
                    return  # committed but slow to finish loading: usable
            await asyncio.sleep(0.5 * (attempt + 1))
        raise TaskFailure(ErrorCode.NAVIGATION_TIMEOUT, f"Could not open {url} after {GOTO_ATTEMPTS} attempts: {last}")

    async def refusal(self, url: str) -> str | None:
        """Why the browser may not open `url` (avoidDomains, policy domain rules, scheme, resolved
        address); None when it may."""
        if domain := self.avoided(url):
            return f"the site is blocked by the task's avoidDomains ({domain})"
        if self.policy is not None and (host := _host(url)) and (why := self.policy_refusal(host)):
            return f"the site is {why}"
        return await self.reach.url_refusal(url)

    async def screenshot_jpeg(self, quality: int = 60) -> bytes:
        page = await self.ensure_page()
        if page in self.dialogs:  # Chromium cannot paint the page while a JS dialog blocks it
            raise RuntimeError("a JavaScript dialog is open; no screenshot until it is answered")
        return await page.screenshot(type="jpeg", quality=quality, timeout=5000)

    async def guarded(self, call: Awaitable[Any]) -> bool:
        """Await a Playwright call that may open a JS dialog (which would block it until answered).

        True when the call finished; False when a dialog opened first (the call is left to finish
        once the dialog is answered). The call's own error is raised.
        """
        page = self.page
        task = asyncio.ensure_future(call)
        while True:
            done, _ = await asyncio.wait({task}, timeout=0.05)
            if done:
                task.result()
                return True
            if page in self.dialogs:
                task.add_done_callback(lambda t: t.cancelled() or t.exception())
                return False

    def set_files(self, files: dict[str, Path]) -> None:
        self.files = {name: Path(path) for name, path in files.items()}

    def close(self) -> None:
        self._closed = True
        self.context.remove_listener("page", self._on_page)
        self.context.remove_listener("request", self._on_any_request)
        for page in self._watched:
            for event, handler in (("framenavigated", self._on_navigated), ("dialog", self._on_dialog),
                                   ("download", self._on_download), ("request", self._on_request),
                                   ("requestfinished", self._on_request_end), ("requestfailed", self._on_request_end),
                                   ("close", self._on_close)):
                try:
                    page.remove_listener(event, handler)
                except Exception:
                    pass
        self._watched.clear()
        self.dialogs.clear()
        self.secret_book.clear()  # the session's secrets end with it
        self.set_secret_values(())
