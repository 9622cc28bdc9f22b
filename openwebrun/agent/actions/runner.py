"""Running a batch of model actions: validate, dispatch, notice page changes, stop when needed."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions import element_actions, page_actions, pointer_actions, tab_actions
from openwebrun.agent.actions.catalog import check_action
from openwebrun.agent.env import ActionResult

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv

Handler = Callable[["BrowserEnv", dict[str, Any]], Awaitable[ActionResult]]

HANDLERS: dict[str, Handler] = {**element_actions.HANDLERS, **page_actions.HANDLERS, **pointer_actions.HANDLERS,
                                **tab_actions.HANDLERS}
# Around each action: a context manager that yields False when the batch must stop before it, or
# an ActionResult that stands for the action, which then does not run (a policy refused it).
Around = Callable[[dict[str, Any]], AbstractAsyncContextManager[bool | ActionResult]]
# Actions that always leave a different page (or tab) behind.
CHANGES_PAGE = {"navigate", "go_back", "open_tab", "switch_tab", "close_tab", "dialog"}
# Actions allowed while a JS dialog blocks the active tab.
DIALOG_SAFE = {"dialog", "done", "wait", "open_tab", "switch_tab", "close_tab"}
ACTION_S = 20.0  # bound of one non-navigating action
# How long to watch for a new tab, navigation or dialog set off by an action that may start one.
WATCH_S = {"click": 0.4, "click_at": 0.4, "press_key": 0.3, "type": 0.3, "select_option": 0.2, "check": 0.2, "drag": 0.2}


async def run_batch(env: BrowserEnv, actions: list[dict], around: Around | None = None,
                    handlers: dict[str, Handler] | None = None) -> list[ActionResult]:
    """Run `actions` in order; `around` guards each one, `handlers` add actions the env cannot run itself."""
    results: list[ActionResult] = []
    if not isinstance(actions, list) or not actions:
        return [ActionResult(error="no actions given: send at least one action")]
    i = 0
    while i < len(actions):
        pause = _folded_wait(actions[i], actions[i + 1] if i + 1 < len(actions) else None)
        if around is None:
            done = await run_one(env, actions[i], pause, handlers)
        else:
            async with around(actions[i]) as go:
                if isinstance(go, ActionResult):
                    results.append(go)
                    break
                if not go:
                    break
                done = await run_one(env, actions[i], pause, handlers)
        results.extend(done)
        i += len(done)
        if any(r.error or r.done or r.page_changed for r in done):
            break
    return results


def _folded_wait(action: Any, after: Any) -> dict | None:
    """The `wait` right after an action that is watched for what it sets off, when that wait is at
    least as long as the watch: the wait then is the watch (click, wait(1), click keeps its timing)."""
    if (isinstance(action, dict) and action.get("action") in WATCH_S and isinstance(after, dict)
            and after.get("action") == "wait" and check_action(after) is None
            and float(after["seconds"]) >= WATCH_S[action["action"]]):
        return after
    return None


async def run_one(env: BrowserEnv, action: Any, pause: dict | None = None,
                  handlers: dict[str, Handler] | None = None) -> list[ActionResult]:
    """Run `action`; with `pause` (a wait that follows it) run that too and return both results."""
    problem = check_action(action, vision=env.vision)
    if problem:
        return [ActionResult(error=problem)]
    name = action["action"]
    params = {k: v for k, v in action.items() if k != "action"}
    if handlers and name in handlers:
        return [await handlers[name](env, params)]
    if env.page in env.dialogs and name not in DIALOG_SAFE:
        return [ActionResult(error="a JavaScript dialog is open: answer it with the dialog action first")]
    page_before, tabs_before, commits_before = env.page, len(env.open_pages()), env.nav_commits
    dialog_before = env.page in env.dialogs
    bound = env.navigation_timeout_ms / 1000 + 5 if name in ("navigate", "go_back", "open_tab") else ACTION_S
    try:
        result = await asyncio.wait_for(HANDLERS[name](env, params), bound)
    except TimeoutError:
        result = ActionResult(error=f"{name} did not finish within {bound:.0f} s")
    except PlaywrightError as exc:
        result = ActionResult(error=f"{name} failed: {_first_line(exc)}")
    if name in ("done", "read_page"):
        return [_masked(env, result)]
    results = [result]
    started = (env.page is not page_before or len(env.open_pages()) != tabs_before
               or env.nav_commits != commits_before or env.page in env.dialogs
               or (env.page is not None and env.is_loading(env.page)))
    if pause is not None and not (result.error or result.page_changed or started):
        results.append(await HANDLERS["wait"](env, pause))  # watches for what the action set off
        await env.settle(commits_before, quick=True)
    else:
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
    return [_masked(env, r) for r in results]


def _masked(env: BrowserEnv, result: ActionResult) -> ActionResult:
    result.message = env.mask(result.message)
    if result.error:
        result.error = env.mask(result.error)
    return result


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
