"""Real Chromium (one per test module) driving the fixture site in tests/site over loopback HTTP."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.env import PageState
from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_chromium
from openwebrun.browser.reach import Reach
from tests.support.servers import static_site

SITE = Path(__file__).resolve().parents[1] / "site"
LOOPBACK_ALLOWED = Reach(allow_private=True)  # the fixture site is served on loopback


@pytest.fixture(scope="module")
def site_url():
    with static_site(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def other_origin():
    """The same files from a second origin (another host and port): for cross-origin frames."""
    with static_site(SITE, host="127.0.0.2") as url:
        yield url


@pytest.fixture(scope="module")
async def browser():
    async with async_playwright() as pw:
        chromium = await launch_chromium(pw, find_chromium(), headless=True)
        yield chromium
        await chromium.close()


@pytest.fixture
async def env(browser, tmp_path):
    context = await browser.new_context(viewport=dict(VIEWPORT), accept_downloads=True)
    environment = BrowserEnv(context, downloads_dir=tmp_path / "downloads", navigation_timeout_ms=10_000,
                             reach=LOOPBACK_ALLOWED)
    yield environment
    environment.close()
    await context.close()


async def open_page(env: BrowserEnv, url: str) -> PageState:
    await env.goto(url)
    return await env.observe()


def number(state: PageState, needle: str) -> int:
    """The element number of the first element line containing `needle`."""
    for line in state.text.splitlines():
        found = re.search(r"\[(\d+)\]", line)
        if found and needle in line:
            return int(found.group(1))
    raise AssertionError(f"no element line with {needle!r} in:\n{state.text}")


def line_of(state: PageState, needle: str) -> str:
    for line in state.text.splitlines():
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} in:\n{state.text}")


async def text_of(env: BrowserEnv, selector: str) -> str:
    return await env.page.inner_text(selector, timeout=3000)
