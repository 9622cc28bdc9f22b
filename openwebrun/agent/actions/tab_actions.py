"""Tab actions: open_tab, switch_tab, close_tab. Tabs are numbered 0.. in opening order."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions.page_actions import _normalize_url
from openwebrun.agent.env import ActionResult

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv


def _tab(env: BrowserEnv, number: int):
    pages = env.open_pages()
    if not 0 <= number < len(pages):
        return None, ActionResult(error=f"there is no tab {number}; open tabs are 0 to {len(pages) - 1}")
    return pages[number], None


async def open_tab(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    url = _normalize_url(p["url"])
    refused = await env.refusal(url)
    if refused:
        return ActionResult(error=f"cannot open {url}: {refused}")
    page = await env.context.new_page()
    env.page = page
    try:
        await page.goto(url, timeout=env.navigation_timeout_ms, wait_until="load")
    except PlaywrightError as exc:
        return ActionResult(error=f"opened a new tab but could not load {url}: {str(exc).splitlines()[0]}",
                            page_changed=True)
    return ActionResult(message=f"opened {page.url} in tab {env.open_pages().index(page)}", page_changed=True)


async def switch_tab(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    page, error = _tab(env, p["tab"])
    if error:
        return error
    env.page = page
    await page.bring_to_front()
    return ActionResult(message=f"switched to tab {p['tab']}: {page.url}", page_changed=True)


async def close_tab(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    page, error = _tab(env, p["tab"])
    if error:
        return error
    url = page.url
    await page.close()
    page_now = await env.ensure_page()
    return ActionResult(message=f"closed tab {p['tab']} ({url}); current tab: {page_now.url}", page_changed=True)


HANDLERS = {"open_tab": open_tab, "switch_tab": switch_tab, "close_tab": close_tab}
