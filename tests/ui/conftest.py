"""Dashboard tests: a real server with the scripted LLM, the dashboard in the machine's Chromium.

Every test leaves a 1280x800 screenshot of its page in tests/ui/screens/ (ignored by git)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from openwebrun.browser.launch import QUIET_FLAGS, find_chromium
from tests.e2e import conftest as e2e
from tests.support.servers import API_KEY, ServerProcess

SCREENS = Path(__file__).parent / "screens"
make_server, site = e2e.make_server, e2e.site  # the end-to-end fixtures, shared
VIEWPORT = {"width": 1280, "height": 800}
WAIT_MS = 30_000  # every wait in the page has this timeout
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def server(make_server) -> ServerProcess:
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_GUARDRAIL_TIMEOUT_S="120")


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(pw) -> Iterator[Browser]:
    browser = pw.chromium.launch(executable_path=find_chromium(), args=[*QUIET_FLAGS, "--no-sandbox"], headless=True)
    yield browser
    browser.close()


@pytest.fixture
def context(browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    refused: list[str] = []  # what the pages' Content-Security-Policy blocked: nothing may be
    context.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield context
    context.close()
    assert not refused, refused


def open_page(page: Page, server: ServerProcess, path: str) -> Page:
    """Go to a dashboard page and wait for its ready mark."""
    page.goto(f"{server.base_url}/ui/{path}")
    page.wait_for_selector("body[data-ready]", state="attached")
    return page


def sign_in(page: Page, server: ServerProcess, key: str = API_KEY) -> Page:
    open_page(page, server, "signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/sessions")
    page.wait_for_selector("body[data-ready]", state="attached")
    return page


@pytest.fixture
def page(context, server) -> Page:
    """A tab signed in with the admin key, on the sessions page."""
    return sign_in(context.new_page(), server)


def shoot(page: Page, name: str) -> Path:
    SCREENS.mkdir(exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
