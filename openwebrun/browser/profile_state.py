"""A context's browser state in and out: cookies, localStorage, IndexedDB and sessionStorage.

Playwright's storage state carries cookies, localStorage and IndexedDB (given to `new_context`,
read by `storage_state(indexed_db=True)`). sessionStorage belongs to a tab: it is read from each
open tab, and put back by an init script into a tab's still-empty sessionStorage of that origin.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
from typing import Any

from playwright.async_api import BrowserContext

log = logging.getLogger(__name__)

CAPTURE_TIMEOUT_S = 15.0
TAB_TIMEOUT_S = 3.0

_RESTORE_SESSION_STORAGE = """
((byOrigin) => {
  try {
    const items = byOrigin[location.origin];
    if (!items || window.sessionStorage.length) return;
    for (const item of items) window.sessionStorage.setItem(item.name, item.value);
  } catch (e) {}
})(%s);
"""
_READ_SESSION_STORAGE = """() => {
  try {
    const items = [];
    for (let i = 0; i < sessionStorage.length; i++) {
      const name = sessionStorage.key(i);
      items.push({name, value: sessionStorage.getItem(name)});
    }
    return [location.origin, items];
  } catch (e) { return [location.origin, []]; }
}"""


def context_options(state: dict[str, Any] | None) -> dict[str, Any]:
    """The `new_context` options that start a context from `state` (none for a clean one)."""
    if not state:
        return {}
    origins = [{k: v for k, v in o.items() if k != "sessionStorage"} for o in state.get("origins", [])]
    return {"storage_state": {"cookies": state.get("cookies", []), "origins": origins}}


async def restore_session_storage(context: BrowserContext, state: dict[str, Any] | None) -> None:
    """Before any page opens: each origin's sessionStorage goes into new tabs of that origin."""
    by_origin = {o["origin"]: o["sessionStorage"] for o in (state or {}).get("origins", []) if o.get("sessionStorage")}
    if by_origin:
        await context.add_init_script(_RESTORE_SESSION_STORAGE % json.dumps(by_origin))


async def capture(context: BrowserContext, started_from: dict[str, Any] | None) -> dict[str, Any]:
    """The context's state now. (Playwright keeps the origins it started with; an origin whose storage
    was cleared is left out.) sessionStorage comes from the open tabs; an origin no tab shows keeps the
    sessionStorage it started with."""
    state = await asyncio.wait_for(context.storage_state(indexed_db=True), CAPTURE_TIMEOUT_S)
    origins: dict[str, dict[str, Any]] = {o["origin"]: dict(o) for o in state.get("origins", [])}
    shown = await _session_storage(context)
    for old in (started_from or {}).get("origins", []):
        if old.get("sessionStorage") and old["origin"] not in shown:
            shown[old["origin"]] = copy.deepcopy(old["sessionStorage"])
    for origin, items in shown.items():
        if items:
            origins.setdefault(origin, {"origin": origin, "localStorage": []})["sessionStorage"] = items
    return {"cookies": list(state.get("cookies", [])), "origins": list(origins.values())}


async def _session_storage(context: BrowserContext) -> dict[str, list[dict[str, str]]]:
    """{origin: items} of each open tab's top frame (an origin shown in a tab is there, even when empty)."""
    found: dict[str, list[dict[str, str]]] = {}
    for page in context.pages:
        if page.is_closed():
            continue
        try:
            origin, items = await asyncio.wait_for(page.evaluate(_READ_SESSION_STORAGE), TAB_TIMEOUT_S)
        except Exception as exc:  # a tab navigating or hung: its sessionStorage is not kept
            log.debug("sessionStorage of %s not read: %s", page.url, exc)
            continue
        if isinstance(origin, str) and origin.startswith(("http://", "https://")):
            found[origin] = found.get(origin) or items
    return found
