"""Actions on the page as a whole: navigate, keys, scrolling, waiting, reading, dialogs, done."""
from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions.catalog import MAX_WAIT_S
from openwebrun.agent.dom.scripts import script
from openwebrun.agent.env import ActionResult

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv

READ_LIMIT = 20_000  # characters of read_page output
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")  # "javascript:", "file:" but not "host:8080"

SCROLL = """([down, pages]) => {
  const vh = window.innerHeight;
  const dy = (down ? 1 : -1) * pages * vh;
  const se = document.scrollingElement || document.documentElement;
  const can = (el) => down ? el.scrollTop + el.clientHeight < el.scrollHeight - 1 : el.scrollTop > 0;
  let target = can(se) ? se : null;
  if (!target) {  // the page itself does not scroll: the largest visible scrollable area
    let best = 0;
    for (const el of document.querySelectorAll("*")) {
      if (el.scrollHeight <= el.clientHeight + 1 || !can(el)) continue;
      const oy = getComputedStyle(el).overflowY;
      if (oy !== "auto" && oy !== "scroll") continue;
      const r = el.getBoundingClientRect();
      const area = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0)) * r.width;
      if (area > best) { best = area; target = el; }
    }
  }
  if (!target) return {moved: 0, area: "page", below: 0, above: Math.round(se.scrollTop)};
  const before = target.scrollTop;
  target.scrollBy({top: dy, behavior: "instant"});
  return {
    moved: Math.round(target.scrollTop - before), area: target === se ? "page" : "scrollable area",
    above: Math.round(target.scrollTop), below: Math.round(target.scrollHeight - target.clientHeight - target.scrollTop),
  };
}"""


# Scroll the scroll area of element e (itself or its nearest ancestor that scrolls) by pages of its height.
SCROLL_AREA = """(e, [down, pages]) => {
  const scrolls = (el) => {
    const s = getComputedStyle(el);
    return (/^(auto|scroll|overlay)$/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1) ||
      (/^(auto|scroll|overlay)$/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1);
  };
  let area = e;
  while (area && area !== document.body && !scrolls(area)) area = area.parentElement;
  if (!area || area === document.body) return null;
  const vertical = area.scrollHeight > area.clientHeight + 1;
  const before = vertical ? area.scrollTop : area.scrollLeft;
  const step = (down ? 1 : -1) * pages * (vertical ? area.clientHeight : area.clientWidth);
  area.scrollBy({top: vertical ? step : 0, left: vertical ? 0 : step, behavior: "instant"});
  const now = vertical ? area.scrollTop : area.scrollLeft;
  const size = vertical ? area.scrollHeight - area.clientHeight : area.scrollWidth - area.clientWidth;
  return {moved: Math.round(now - before), before: Math.round(now), after: Math.round(size - now),
    axis: vertical ? ["above", "below"] : ["left", "right"]};
}"""

# The full text of one element: a field's value, else its visible text with images by their alt text.
FULL_TEXT = """(e) => {
  if (e.tagName === "INPUT" || e.tagName === "TEXTAREA" || e.tagName === "SELECT") return e.value;
  const out = [];
  const rec = (n) => {
    for (const c of n.childNodes) {
      if (c.nodeType === Node.TEXT_NODE) { out.push(c.nodeValue); continue; }
      if (c.nodeType !== Node.ELEMENT_NODE || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(c.tagName)) continue;
      if (!c.checkVisibility()) continue;
      if (c.tagName === "IMG") {
        const a = c.getAttribute("alt") || c.getAttribute("title");
        if (a) out.push(` ${a} `);
        continue;
      }
      if (c.tagName === "BR") { out.push("\\n"); continue; }
      const block = !getComputedStyle(c).display.startsWith("inline");
      if (block) out.push("\\n");
      rec(c);
      if (block) out.push("\\n");
    }
  };
  rec(e);
  const text = out.join("").replace(/[ \\t]+/g, " ").replace(/ *\\n[ \\n]*/g, "\\n").trim();
  return text || e.getAttribute("aria-label") || e.getAttribute("title") || e.getAttribute("alt") || "";
}"""


def _normalize_url(url: str) -> str:
    """`url` with https:// added when it has no scheme ("example.com", "localhost:8080/x")."""
    url = url.strip()
    if SCHEME.match(url):
        return url
    return "https://" + url


async def navigate(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    url = _normalize_url(p["url"])
    refused = await env.refusal(url)
    if refused:
        return ActionResult(error=f"cannot open {url}: {refused}")
    page = env.page
    commits = env.nav_commits
    try:
        await page.goto(url, timeout=env.navigation_timeout_ms, wait_until="load")
    except PlaywrightError as exc:
        first = str(exc).splitlines()[0]
        if "Timeout" in first and env.nav_commits > commits:
            return ActionResult(message=f"opened {page.url} (still loading)", page_changed=True)
        return ActionResult(error=f"could not open {url}: {first}")
    return ActionResult(message=f"opened {page.url}", page_changed=True)


async def go_back(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    page = env.page
    before = page.url
    try:
        await page.go_back(timeout=env.navigation_timeout_ms, wait_until="load")
    except PlaywrightError as exc:
        if page.url == before:
            return ActionResult(error=f"could not go back: {str(exc).splitlines()[0]}")
    if page.url == before:
        return ActionResult(error="there is no previous page in this tab")
    return ActionResult(message=f"went back to {page.url}", page_changed=True)


async def press_key(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    keys = p["keys"].split()
    if not keys:
        return ActionResult(error='keys is empty; give a key like "Enter" or a combination like "Control+A"')
    for key in keys:
        try:
            if not await env.guarded(env.page.keyboard.press(key)):
                return ActionResult(message=f"pressed {key}; a dialog opened")
        except PlaywrightError as exc:
            return ActionResult(error=f"cannot press {key!r}: {str(exc).splitlines()[0]}")
    return ActionResult(message=f"pressed {' '.join(keys)}")


async def scroll(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    pages = p.get("pages")
    pages = 1.0 if pages is None else min(max(float(pages), 0.1), 10.0)
    down = p["direction"] == "down"
    if p.get("index") is not None:
        return await _scroll_area(env, p["index"], down, pages, p["direction"])
    done = await env.page.main_frame.evaluate(SCROLL, [down, pages])
    if not done["moved"]:
        return ActionResult(message=f"cannot scroll {p['direction']}: already at the {'bottom' if down else 'top'}")
    return ActionResult(message=f"scrolled the {done['area']} {p['direction']} {abs(done['moved'])} px; "
                                f"{done['above']} px above, {done['below']} px below")


async def _scroll_area(env: BrowserEnv, index: int, down: bool, pages: float, direction: str) -> ActionResult:
    from openwebrun.agent.browser_env import ElementError

    try:
        element, ref = await env.element(index)
    except ElementError as exc:
        return ActionResult(error=str(exc))
    done = await element.evaluate(SCROLL_AREA, [down, pages])
    if done is None:
        return ActionResult(error=f"element [{index}] is not in a scroll area; scroll without index scrolls the page")
    before, after = done["axis"]
    if not done["moved"]:
        edge = ("bottom" if down else "top") if before == "above" else ("end" if down else "start")
        return ActionResult(message=f"cannot scroll [{index}] {direction}: already at the {edge}")
    return ActionResult(message=f"scrolled the area of [{index}] {direction} {abs(done['moved'])} px; "
                                f"{done['before']} px {before}, {done['after']} px {after}")


async def scroll_to_text(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    text = p["text"].strip()
    if not text:
        return ActionResult(error="text is empty")
    for frame in env.page.frames:
        try:
            target = frame.get_by_text(text).filter(visible=True).first
            if await target.count() == 0:
                continue
            await target.scroll_into_view_if_needed(timeout=2000)
        except PlaywrightError:
            continue
        return ActionResult(message=f"scrolled to {text!r}")
    return ActionResult(error=f"text {text!r} was not found on the visible page")


async def wait(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    seconds = min(max(float(p["seconds"]), 0.0), MAX_WAIT_S)
    await asyncio.sleep(seconds)
    return ActionResult(message=f"waited {seconds:g} s")


async def wait_for(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    page = env.page
    if p["what"] == "network_idle":
        try:
            await page.wait_for_load_state("networkidle", timeout=MAX_WAIT_S * 1000)
        except PlaywrightError:
            return ActionResult(error=f"the network did not go idle within {MAX_WAIT_S} s")
        return ActionResult(message="the network is idle")
    observed = env.last_state.url if env.last_state else None
    commits = env.nav_commits
    deadline = time.monotonic() + MAX_WAIT_S
    if page.url == observed and not env.is_loading(page):  # nothing has moved yet: wait for a navigation to start
        while env.nav_commits == commits and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if env.nav_commits == commits:
            return ActionResult(error=f"no navigation happened within {MAX_WAIT_S} s")
    try:
        await page.wait_for_load_state("load", timeout=max(100, (deadline - time.monotonic()) * 1000))
    except PlaywrightError:
        return ActionResult(message=f"navigated to {page.url} (still loading)", page_changed=True)
    return ActionResult(message=f"loaded {page.url}", page_changed=page.url != observed)


async def read_page(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    if p.get("index") is not None:
        return await _read_element(env, p["index"])
    parts: list[str] = []
    for frame in env.page.frames:
        try:
            got = await asyncio.wait_for(frame.evaluate(script("markdown"), READ_LIMIT), 5.0)
        except Exception:
            continue
        if not got["text"]:
            continue
        head = f"# {got['title'] or 'Page'} ({got['url']})" if frame is env.page.main_frame else f"## Frame {got['url']}"
        parts.append(head + "\n\n" + got["text"])
    text = "\n\n".join(parts) or "(the page has no readable text)"
    if len(text) > READ_LIMIT:
        text = text[:READ_LIMIT] + f"\n… (cut at {READ_LIMIT} characters)"
    return ActionResult(message=text)


async def _read_element(env: BrowserEnv, index: int) -> ActionResult:
    from openwebrun.agent.browser_env import ElementError

    try:
        element, ref = await env.element(index)
    except ElementError as exc:
        return ActionResult(error=str(exc))
    text = await element.evaluate(FULL_TEXT)
    if len(text) > READ_LIMIT:
        text = text[:READ_LIMIT] + f"\n… (cut at {READ_LIMIT} characters)"
    return ActionResult(message=f"Full text of [{index}] ({len(text)} characters):\n{text}")


async def dialog(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    page = env.page
    open_dialog = env.dialogs.pop(page, None)
    if open_dialog is None:
        return ActionResult(error="no JavaScript dialog is open")
    kind, message = open_dialog.type, open_dialog.message
    if p["accept"]:
        text = p.get("text")
        if kind == "prompt":
            await open_dialog.accept(open_dialog.default_value if text is None else text)
        else:
            await open_dialog.accept()
        verb = "accepted"
    else:
        await open_dialog.dismiss()
        verb = "dismissed"
    return ActionResult(message=f"{verb} the {kind} {message[:100]!r}", page_changed=True)


async def done(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    success = bool(p["success"])
    return ActionResult(message="task finished" if success else "task given up", done=True,
                        success=success, output=p.get("result"))


HANDLERS = {"navigate": navigate, "go_back": go_back, "press_key": press_key, "scroll": scroll,
            "scroll_to_text": scroll_to_text, "wait": wait, "wait_for": wait_for, "read_page": read_page,
            "dialog": dialog, "done": done}
