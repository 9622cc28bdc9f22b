"""Running a batch of model actions: validate, dispatch, notice page changes, stop when needed."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions import element_actions, page_actions, tab_actions
from openwebrun.agent.actions.catalog import check_action
from openwebrun.agent.env import ActionResult

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv

Handler = Callable[["BrowserEnv", dict[str, Any]], Awaitable[ActionResult]]

HANDLERS: dict[str, Handler] = {**element_actions.HANDLERS, **page_actions.HANDLERS, **tab_actions.HANDLERS}
# Actions that always leave a different page (or tab) behind.
CHANGES_PAGE = {"navigate", "go_back", "open_tab", "switch_tab", "close_tab", "dialog"}
# Actions allowed while a JS dialog blocks the active tab.
DIALOG_SAFE = {"dialog", "done", "wait", "open_tab", "switch_tab", "close_tab"}
ACTION_S = 20.0  # bound of one non-navigating action
# How long to watch for a new tab, navigation or dialog set off by an action that may start one.
WATCH_S = {"click": 0.4, "press_key": 0.3, "type": 0.3, "select_option": 0.2, "check": 0.2}


async def run_batch(env: "BrowserEnv", actions: list[dict]) -> list[ActionResult]:
    results: list[ActionResult] = []
    if not isinstance(actions, list) or not actions:
        return [ActionResult(error="no actions given: send at least one action")]
    for action in actions:
        result = await run_one(env, action)
        results.append(result)
        if result.error or result.done or result.page_changed:
            break
    return results


async def run_one(env: "BrowserEnv", action: Any) -> ActionResult:
    problem = check_action(action)
    if problem:
        return ActionResult(error=problem)
    name = action["action"]
    params = {k: v for k, v in action.items() if k != "action"}
    if env.page in env.dialogs and name not in DIALOG_SAFE:
        return ActionResult(error="a JavaScript dialog is open: answer it with the dialog action first")
    page_before, tabs_before, commits_before = env.page, len(env.open_pages()), env.nav_commits
    dialog_before = env.page in env.dialogs
    bound = env.navigation_timeout_ms / 1000 + 5 if name in ("navigate", "go_back", "open_tab") else ACTION_S
    try:
        result = await asyncio.wait_for(HANDLERS[name](env, params), bound)
    except asyncio.TimeoutError:
        result = ActionResult(error=f"{name} did not finish within {bound:.0f} s")
    except PlaywrightError as exc:
        result = ActionResult(error=f"{name} failed: {_first_line(exc)}")
    if name in ("done", "read_page"):
        return _masked(env, result)
    watch = 0.05 if name == "type" and not params.get("submit") else WATCH_S.get(name, 0.05)
    await env.settle(commits_before, watch_s=watch)
    changed = (result.page_changed or name in CHANGES_PAGE and not result.error
               or env.page is not page_before or len(env.open_pages()) != tabs_before
               or env.nav_commits != commits_before or (env.page in env.dialogs) != dialog_before)
    if not changed and not dialog_before:
        changed = await env.detached_count() != 0
    if changed:
        result.page_changed = True
        env.mark_stale(f"the page changed after {name}")
    return _masked(env, result)


def _masked(env: "BrowserEnv", result: ActionResult) -> ActionResult:
    result.message = env.mask(result.message)
    if result.error:
        result.error = env.mask(result.error)
    return result


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
