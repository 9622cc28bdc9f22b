"""Pointing: a point inside an element (click/hover/drag `at`), selecting a run of text, and
clicking screenshot coordinates (vision only)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.async_api import ElementHandle, Position
from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.env import ActionResult

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv

QUICK_MS = 3000
SELECT_STEPS = 6  # mouse moves between pressing at the first character and releasing after the last

# The start and end points of `wanted` inside e, in the element's frame coordinates, after putting
# the text in view; whitespace runs match any whitespace, case only when nothing matches exactly.
# Fields (input, textarea) answer {field: true} and get their selection set by setSelectionRange.
TEXT_POINTS = """(e, wanted) => {
  const norm = (s) => s.replace(/\\s+/g, " ").trim();
  const w = norm(wanted);
  if (e.tagName === "INPUT" || e.tagName === "TEXTAREA") {
    const v = e.value;
    let i = v.indexOf(wanted);
    if (i < 0) i = v.toLowerCase().indexOf(wanted.toLowerCase());
    if (i < 0) return {error: "not found", shown: v.slice(0, 200)};
    e.focus();
    e.setSelectionRange(i, i + wanted.length);
    return {field: true, got: v.slice(i, i + wanted.length)};
  }
  const nodes = [];
  let all = "";
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest("script,style,noscript") || !p.checkVisibility()) continue;
    nodes.push([n, all.length]);
    all += n.nodeValue;
  }
  let flat = "";
  const map = [];  // flat index -> index in all
  for (let k = 0; k < all.length; k++) {
    const space = /\\s/.test(all[k]);
    if (space && (flat === "" || flat.endsWith(" "))) continue;
    flat += space ? " " : all[k];
    map.push(k);
  }
  let i = flat.indexOf(w);
  if (i < 0) i = flat.toLowerCase().indexOf(w.toLowerCase());
  if (!w || i < 0) return {error: "not found", shown: flat.slice(0, 200)};
  const place = (pos, end) => {
    for (const [n, off] of nodes) {
      const len = n.nodeValue.length;
      if (end ? pos > off && pos <= off + len : pos >= off && pos < off + len) return [n, pos - off];
    }
    return null;
  };
  const [sn, so] = place(map[i], false);
  const [en, eo] = place(map[i + w.length - 1] + 1, true);
  const range = document.createRange();
  range.setStart(sn, so);
  range.setEnd(en, eo);
  const box = (n, a, b) => { const r = document.createRange(); r.setStart(n, a); r.setEnd(n, b); return r.getClientRects()[0]; };
  sn.parentElement.scrollIntoView({block: "center", inline: "nearest"});
  const first = box(sn, so, so + 1), last = box(en, eo - 1, eo);
  window[Symbol.for("openwebrun.range")] = range;
  const link = range.commonAncestorContainer.parentElement;
  const inControl = !!(link && link.closest("a[href],button,[draggable=true]"));
  if (!first || !last) return {points: null, inControl};
  const nudge = (r) => Math.min(1, r.width / 4);
  return {
    points: [[first.left + nudge(first), first.top + first.height / 2], [last.right - nudge(last), last.top + last.height / 2]],
    inControl,
    frame: (() => { const r = e.getBoundingClientRect(); return [r.left, r.top]; })(),
  };
}"""

# What the selection holds; `force` first puts the range TEXT_POINTS found in its place.
SELECTED = """(e, force) => {
  const key = Symbol.for("openwebrun.range");
  const sel = e.ownerDocument.getSelection();
  if (force && window[key]) {
    // a focused field keeps its own selection in front: leave it, as a press elsewhere would
    const active = e.ownerDocument.activeElement;
    if (active && active !== e.ownerDocument.body && active.blur) active.blur();
    sel.removeAllRanges();
    sel.addRange(window[key]);
    delete window[key];
  }
  return sel.toString();
}"""

AT_POINT = """([x, y]) => {
  const el = document.elementFromPoint(x, y);
  if (!el) return "";
  const text = (el.innerText || el.getAttribute("aria-label") || el.getAttribute("alt") || "").replace(/\\s+/g, " ").trim();
  return el.tagName.toLowerCase() + (text ? ` "${text.slice(0, 40)}"` : "");
}"""


def _norm(text: str) -> str:
    return " ".join(text.split())


async def point_in(element: ElementHandle, at: list[float] | None, index: int) -> Position | str:
    """`at` ([x, y]: pixels from the element's top-left, or fractions below 1) as a position relative to
    the element's box; the box's centre without `at`; a message when the point is outside the box."""
    await element.scroll_into_view_if_needed(timeout=QUICK_MS)
    box = await element.bounding_box()
    if box is None:
        return f"element [{index}] has no box on the page now"
    if at is None:
        return Position(x=box["width"] / 2, y=box["height"] / 2)
    if len(at) != 2:
        return f"at must be two numbers [x, y], got {at}"
    x = at[0] * box["width"] if 0 <= at[0] < 1 else at[0]
    y = at[1] * box["height"] if 0 <= at[1] < 1 else at[1]
    if not (0 <= x <= box["width"] and 0 <= y <= box["height"]):
        return (f"at={at} is outside element [{index}] ({box['width']:.0f}x{box['height']:.0f} px): give pixels "
                "within its size, or fractions below 1")
    return Position(x=x, y=y)


async def select_text(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    """Select `text` inside element [index] as a person would: press before its first character,
    drag to after its last; when the page turns the drag into something else, the range is set directly."""
    from openwebrun.agent.actions.element_actions import _usable

    index, wanted = p.get("index"), p["text"]
    if not wanted.strip():
        return ActionResult(error="text is empty: give the words to select")
    if index is None:
        body = (await env.page.main_frame.evaluate_handle("document.body")).as_element()
        if body is None:
            return ActionResult(error="the page has no body to select text in")
        element, name, where = body, "the page", "on the page"
    else:
        found = await _usable(env, index, allow_disabled=True)
        if isinstance(found, ActionResult):
            return found
        element, name, _info = found
        where = f"in [{index}] {name}"
    spot = await element.evaluate(TEXT_POINTS, wanted)
    if spot.get("error"):
        return ActionResult(error=f"{name if index is None else f'[{index}] {name}'} does not contain {wanted!r}; "
                                  f"its text starts {spot.get('shown', '')[:120]!r}")
    if spot.get("field"):
        return ActionResult(message=f"selected {spot['got']!r} in the field [{index}] {name}")
    how = ""
    if spot["points"] and not spot["inControl"]:
        box = await element.bounding_box()
        if box is not None:  # frame coordinates -> page coordinates
            dx, dy = box["x"] - spot["frame"][0], box["y"] - spot["frame"][1]
            (x0, y0), (x1, y1) = spot["points"]
            mouse = env.page.mouse
            await mouse.move(x0 + dx, y0 + dy)
            await mouse.down()
            try:
                await mouse.move(x1 + dx, y1 + dy, steps=SELECT_STEPS)
            finally:
                await mouse.up()
    got = await element.evaluate(SELECTED, False)
    if _norm(got) != _norm(wanted) and _norm(got).lower() != _norm(wanted).lower():
        got = await element.evaluate(SELECTED, True)
        how = " (the range was set directly: a mouse drag there " + (
            "would drag a link or control)" if spot["inControl"] else "selected something else)")
    return ActionResult(message=f"selected {_norm(got)!r} {where}{how}")


async def click_at(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    """A mouse click on a point of the viewport screenshot (its pixels are the viewport's CSS pixels)."""
    x, y = float(p["x"]), float(p["y"])
    viewport = env.page.viewport_size or {"width": 0, "height": 0}
    if not (0 <= x < viewport["width"] and 0 <= y < viewport["height"]):
        return ActionResult(error=f"({x:g}, {y:g}) is outside the screenshot "
                                  f"({viewport['width']}x{viewport['height']} px)")
    try:
        what = await env.page.main_frame.evaluate(AT_POINT, [x, y])
    except PlaywrightError:
        what = ""
    if not await env.guarded(env.page.mouse.click(x, y)):
        return ActionResult(message=f"clicked at ({x:g}, {y:g}); a dialog opened")
    return ActionResult(message=f"clicked at ({x:g}, {y:g})" + (f" on {what}" if what else ""))


HANDLERS = {"select_text": select_text, "click_at": click_at}
