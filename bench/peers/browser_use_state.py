"""Runs INSIDE bench/.venv-browser-use: browser-use's page state for each URL, one JSON line per page.

Reads one JSON object on stdin: {"urls": [...], "chromium": path, "args": [...], "viewport": {w,h},
"repeat": n, "start_script": js, "settle_ms": n, "tag_script": js}. For each URL it prints
{"url", "text", "elements", "elements_in_band", "capture_ms", "state_ms", "error"} where
- text is the browser-state block browser-use's agent puts in the user message
  (AgentMessagePrompt._get_browser_state_description with the agent's default settings),
- elements counts the element numbers ("[N]<tag") in that text,
- elements_in_band counts those whose box is within 2 viewport heights of the viewport
  (the band openwebrun's serializer numbers elements in),
- capture_ms is the median of `repeat` runs of DomService.get_serialized_dom_tree() + llm_representation(),
- state_ms is the wall time of the whole get_browser_state_summary(include_screenshot=False),
- numbered lists [data-bench-id, tag, in band, signals] of its numbered main-document elements, read
  after tag_script marked every element with its document position (after the timed captures);
  signals are what browser-use saw on the node (click listener, accessibility role, cursor, size).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

NUMBERED = re.compile(r"\[(\d+)\]<")
PAGE_TIMEOUT_S = 30.0


def quiet_environment(home: str) -> None:
    """No telemetry, no cloud sync, no extension downloads, config kept in a temporary folder."""
    os.environ.update({
        "ANONYMIZED_TELEMETRY": "false",
        "BROWSER_USE_CLOUD_SYNC": "false",
        "BROWSER_USE_DISABLE_EXTENSIONS": "1",
        "BROWSER_USE_LOGGING_LEVEL": "error",
        "BROWSER_USE_CONFIG_DIR": os.path.join(home, "config"),
        "XDG_CONFIG_HOME": os.path.join(home, "xdg-config"),
        "XDG_CACHE_HOME": os.path.join(home, "xdg-cache"),
    })


async def evaluate(session, expression: str):
    cdp = await session.get_or_create_cdp_session()
    result = await asyncio.wait_for(cdp.cdp_client.send.Runtime.evaluate(
        params={"expression": expression, "returnByValue": True, "awaitPromise": True},
        session_id=cdp.session_id), 10.0)
    return result.get("result", {}).get("value")


async def wait_loaded(session, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if await evaluate(session, "document.readyState") == "complete":
                return
        except Exception:
            pass
        await asyncio.sleep(0.05)


def in_band(node, viewport_h: int, band: float = 2.0) -> bool:
    box = getattr(node, "absolute_position", None)
    if box is None:
        return False
    return box.y + box.height >= -band * viewport_h and box.y <= viewport_h + band * viewport_h


def signals(node) -> dict:
    """What browser-use saw on a numbered node (its reasons to number it), for bench/explain_elements.js."""
    attrs = node.attributes or {}
    snap = node.snapshot_node
    bounds = snap.bounds if snap is not None else None
    return {"listener": bool(node.has_js_click_listener), "ax": node.ax_node.role if node.ax_node else None,
            "cursor": snap.cursor_style if snap is not None else None,
            "w": round(bounds.width) if bounds else None, "h": round(bounds.height) if bounds else None,
            "attrs": sorted(a for a in attrs if a in ("onclick", "onmousedown", "tabindex", "role", "class"))}


async def measure(session, url: str, job: dict) -> dict:
    from browser_use.agent.prompts import AgentMessagePrompt
    from browser_use.agent.views import AgentSettings
    from browser_use.dom.service import DomService

    await asyncio.wait_for(session.navigate_to(url), PAGE_TIMEOUT_S)
    await wait_loaded(session)
    if job.get("start_script"):
        await evaluate(session, f"({job['start_script']})()")
    await asyncio.sleep(job.get("settle_ms", 0) / 1000)

    began = time.perf_counter()
    state = await asyncio.wait_for(session.get_browser_state_summary(include_screenshot=False), PAGE_TIMEOUT_S)
    state_ms = (time.perf_counter() - began) * 1000
    settings = AgentSettings()
    prompt = AgentMessagePrompt(browser_state_summary=state, file_system=None,
                                include_attributes=settings.include_attributes,
                                max_clickable_elements_length=settings.max_clickable_elements_length)
    text = prompt._get_browser_state_description()
    numbers = {int(n) for n in NUMBERED.findall(text)}
    viewport_h = job["viewport"]["height"]
    by_index = state.dom_state.selector_map  # model-visible number -> node
    in_band_count = sum(1 for n in numbers if n in by_index and in_band(by_index[n], viewport_h))

    profile = session.browser_profile
    service = DomService(browser_session=session, cross_origin_iframes=profile.cross_origin_iframes,
                         paint_order_filtering=profile.paint_order_filtering, max_iframes=profile.max_iframes,
                         max_iframe_depth=profile.max_iframe_depth)
    times = []
    for _ in range(job.get("repeat", 1)):
        began = time.perf_counter()
        dom_state, _tree, _timing = await asyncio.wait_for(service.get_serialized_dom_tree(), PAGE_TIMEOUT_S)
        dom_state.llm_representation(include_attributes=settings.include_attributes)
        times.append((time.perf_counter() - began) * 1000)
    overlap = None
    if job.get("tag_script"):  # which elements (by document position) it numbers, for the overlap
        await evaluate(session, f"({job['tag_script']})()")
        tagged, _tree, _timing = await asyncio.wait_for(service.get_serialized_dom_tree(), PAGE_TIMEOUT_S)
        overlap = [[node.attributes.get("data-bench-id"), node.tag_name.lower(), in_band(node, viewport_h), signals(node)]
                   for node in tagged.selector_map.values()
                   if node.attributes and node.attributes.get("data-bench-id")]
    return {"url": url, "text": text, "elements": len(numbers), "elements_in_band": in_band_count,
            "selector_map": len(state.dom_state.selector_map), "numbered": overlap,
            "capture_ms": statistics.median(times), "state_ms": state_ms, "error": None}


async def main() -> None:
    job = json.loads(sys.stdin.read())
    home = tempfile.mkdtemp(prefix="bench-browser-use-")
    quiet_environment(home)
    logging.disable(logging.WARNING)
    from browser_use import BrowserProfile, BrowserSession

    viewport = job["viewport"]
    profile = BrowserProfile(executable_path=job["chromium"], headless=True, args=job["args"],
                             viewport=viewport, window_size=viewport, user_data_dir=os.path.join(home, "profile"),
                             enable_default_extensions=False, dom_highlight_elements=False,
                             highlight_elements=False, chromium_sandbox=False, keep_alive=False)
    session = BrowserSession(browser_profile=profile)
    await asyncio.wait_for(session.start(), 60.0)
    try:
        version = __import__("importlib.metadata").metadata.version("browser-use")
        print(json.dumps({"version": version}), flush=True)
        await measure(session, job["urls"][0], {**job, "repeat": 1})  # warm-up, not recorded
        for url in job["urls"]:
            try:
                row = await measure(session, url, job)
            except Exception as exc:  # one bad page must not end the run
                row = {"url": url, "error": f"{type(exc).__name__}: {exc}"[:300]}
            print(json.dumps(row), flush=True)
    finally:
        await asyncio.wait_for(session.kill(), 30.0)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
