"""Actions on a numbered element: click, type, select_option, check, hover, drag, upload_file."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from playwright.async_api import ElementHandle
from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.actions.field_values import DATE_TIME_TYPES, FORMS, field_value
from openwebrun.agent.actions.pointer_actions import point_in
from openwebrun.agent.env import ActionResult
from openwebrun.domain.site_rules import PLACEHOLDER

if TYPE_CHECKING:
    from openwebrun.agent.browser_env import BrowserEnv

QUICK_MS = 3000  # Playwright's own waits on an element (visible, stable, enabled)
CHOOSER_MS = 1500  # a file chooser opens at once after the click, or not at all
DRAG_STEPS = 12  # mouse moves between the press and the drop (drag scripts follow mousemove)
PAST_CENTRE_PX = 6  # how far past the target's centre the drop lands (at most a quarter of its size)

INSPECT = """(e) => {
  const r = e.getBoundingClientRect();
  const role = (e.getAttribute("role") || "").toLowerCase();
  return {
    tag: e.tagName.toLowerCase(), type: (e.type || "").toLowerCase(), role,
    visible: e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && r.width > 0 && r.height > 0,
    disabled: !!(e.disabled || e.getAttribute("aria-disabled") === "true" || e.closest("fieldset[disabled]")),
    readonly: !!e.readOnly, editable: !!e.isContentEditable,
    checked: (e.type === "checkbox" || e.type === "radio") ? e.checked : (e.getAttribute("aria-checked") === "true"),
  };
}"""

# A click dispatched from a timer, so a dialog it opens cannot block the call.
# the host of the element's document (an iframe's own; about:blank and srcdoc frames inherit their origin)
FRAME_HOST = """(e) => { try { return new URL(e.ownerDocument.defaultView.origin).hostname; } catch (x) { return ""; } }"""
JS_CLICK = "(e) => { e.scrollIntoView({block: 'center'}); setTimeout(() => e.click(), 0); }"

# Where the next click event lands: on the element (or inside it), or elsewhere (a hover style that
# moves or shrinks the element under the pointer). Read back with CLICK_LANDED.
WATCH_CLICK = """(e) => {
  const key = Symbol.for("openwebrun.click");
  const view = e.ownerDocument.defaultView;
  if (view[key]) view.removeEventListener("click", view[key], true);
  e[key] = "none";
  view[key] = (ev) => { e[key] = ev.composedPath().includes(e) ? "on" : "beside"; };
  view.addEventListener("click", view[key], {capture: true, once: true});
}"""
CLICK_LANDED = """(e) => {
  const key = Symbol.for("openwebrun.click");
  const view = e.ownerDocument.defaultView;
  if (view[key]) view.removeEventListener("click", view[key], true);
  delete view[key];
  const landed = e[key];
  delete e[key];
  // a control the page replaced on the press is not clicked again
  return (e.isConnected && landed) || "none";
}"""

FILE_INPUT = """(e) => {
  if (e.tagName === "INPUT" && e.type === "file") return e;
  if (e.control && e.control.type === "file") return e.control;
  return e.querySelector ? e.querySelector("input[type=file]") : null;
}"""

MATCH_OPTION = """(e, wanted) => {
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim().toLowerCase();
  const w = norm(wanted);
  const o = Array.from(e.options).find((o) => norm(o.value) === w || norm(o.label || o.text) === w)
        || Array.from(e.options).find((o) => norm(o.label || o.text).includes(w));
  return o ? o.value : null;
}"""


# The field's value after scripts reacting to the typing had a turn (a task later).
READ_BACK = """(e) => new Promise((done) => setTimeout(() => done({
  value: e.value, disabled: !!e.disabled, maxlength: e.maxLength ?? -1}), 0))"""

STATE_WORDS = (" placeholder=", " value=", " selected=", " options:", " checked", " unchecked", " →",
               " required", " files=", " no file chosen", " text=", " colour=", " image=", " state=", " position=",
               " (scroll area")


def _name(ref_line: str) -> str:
    """What the element is, without the state it had when observed (which may have changed)."""
    cut = min((i for i in (ref_line.find(w) for w in STATE_WORDS) if i > 0), default=len(ref_line))
    name = ref_line[:cut]
    return name if len(name) <= 80 else name[:79] + "…"


async def _inspect(element: ElementHandle) -> dict[str, Any]:
    return await element.evaluate(INSPECT)


async def _usable(env: BrowserEnv, index: int, allow_disabled: bool = False
                  ) -> tuple[ElementHandle, str, dict[str, Any]] | ActionResult:
    from openwebrun.agent.browser_env import ElementError

    try:
        element, ref = await env.element(index)
    except ElementError as exc:
        return ActionResult(error=str(exc))
    info = await _inspect(element)
    if info["disabled"] and not allow_disabled:
        return ActionResult(error=f"element [{index}] is disabled")
    return element, _name(ref.line), info


async def _click(env: BrowserEnv, element: ElementHandle, info: dict[str, Any]) -> str:
    """Click through Playwright (real mouse events); a script click when the element is covered, or
    when the mouse click landed beside it (the element moved or shrank under the pointer)."""
    if info["visible"]:
        try:
            await element.evaluate(WATCH_CLICK)
            answered = await env.guarded(element.click(timeout=QUICK_MS))
        except PlaywrightError:
            pass
        else:
            if not answered or await _landed(env, element) != "beside":
                return ""
            await element.evaluate(JS_CLICK)
            return " (by script: the mouse click landed beside the element, which moved under the pointer)"
    await element.evaluate(JS_CLICK)
    return " (by script: the element was covered or not clickable by mouse)"


async def _landed(env: BrowserEnv, element: ElementHandle) -> str:
    """Where the watched click went; "none" when it cannot be told (the page navigated away, or a
    dialog the click opened blocks the page)."""
    landed = asyncio.ensure_future(element.evaluate(CLICK_LANDED))
    try:
        if not await env.guarded(landed):
            return "none"
        return landed.result()
    except PlaywrightError:
        return "none"


async def click(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    found = await _usable(env, p["index"])
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    if not info["visible"]:
        return ActionResult(error=f"element [{p['index']}] is not visible now (hidden or collapsed); "
                                  "open its menu or scroll, then observe again")
    if p.get("at") is not None:
        return await _click_at_point(env, element, name, p["index"], p["at"])
    how = await _click(env, element, info)
    return ActionResult(message=f"clicked [{p['index']}] {name}{how}")


async def _click_at_point(env: BrowserEnv, element: ElementHandle, name: str, index: int,
                          at: list[float]) -> ActionResult:
    """A mouse click on a point inside the element (a hot spot, one end of a bar); when something else
    covers that point, the click still lands there, as a person's would."""
    point = await point_in(element, at, index)
    if isinstance(point, str):
        return ActionResult(error=point)
    where = f"at ({point['x']:.0f}, {point['y']:.0f}) px of"
    try:
        answered = await env.guarded(element.click(position=point, timeout=QUICK_MS))
    except PlaywrightError:
        box = await element.bounding_box()
        if box is None:
            return ActionResult(error=f"element [{index}] has no box on the page now")
        answered = await env.guarded(env.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"]))
        where += " (covered there: the click went to what is on top)"
    return ActionResult(message=f"clicked {where} [{index}] {name}" + ("" if answered else "; a dialog opened"))


async def type_text(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    found = await _usable(env, p["index"])
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    index, text = p["index"], p["text"]
    if info["tag"] == "select":
        return ActionResult(error=f"element [{index}] is a select: use select_option")
    if info["type"] in ("checkbox", "radio"):
        return ActionResult(error=f"element [{index}] is a {info['type']}: use check")
    if info["type"] == "file":
        return ActionResult(error=f"element [{index}] is a file input: use upload_file")
    if info["readonly"]:
        return ActionResult(error=f"element [{index}] is read-only")
    secret = info["type"] == "password"
    shown_text = "•••" if secret else repr(text)
    if PLACEHOLDER.search(text):  # <secret:NAME>: the value for this frame's host, filled in only now
        host = await element.evaluate(FRAME_HOST)
        text, problem = env.secret_book.substitute(text, host)
        if problem:
            return ActionResult(error=f"[{index}] not typed: {problem}")
        secret, shown_text = True, repr(p["text"])
    value = text
    if info["tag"] == "input" and info["type"] in DATE_TIME_TYPES and text.strip():
        value = field_value(info["type"], text)
        if value is None:
            return ActionResult(error=f"[{index}] refused {shown_text}: a {info['type']} field needs another "
                                      f"format: {FORMS[info['type']]}")
    try:
        await env.guarded(element.fill(value, timeout=QUICK_MS))  # fires input and change
    except PlaywrightError as exc:
        if info["tag"] in ("input", "textarea"):  # e.g. letters in a number field
            return ActionResult(error=f"[{index}] refused {shown_text}: {str(exc).splitlines()[0]}")
        # not a text field: focus it and type like a keyboard would
        await _click(env, element, info)
        page = env.page
        await page.keyboard.press("ControlOrMeta+A")
        await page.keyboard.press("Backspace")
        await page.keyboard.type(text)
    note = ""
    if info["tag"] in ("input", "textarea") and env.page not in env.dialogs:
        problem, note = _compare(await element.evaluate(READ_BACK), value, secret, info["type"])
        if problem:
            return ActionResult(error=f"[{index}] {name}: typed {shown_text} but {problem}")
    if p.get("submit"):
        await env.guarded(element.press("Enter", timeout=QUICK_MS))
    return ActionResult(message=f"typed {shown_text} into [{index}] {name}{note}"
                                + (" and pressed Enter" if p.get("submit") else ""))


def _compare(now: dict[str, Any], wanted: str, secret: bool, kind: str) -> tuple[str, str]:
    """(error, note) about the value a field holds after typing `wanted` into it."""
    shown = now["value"]
    if shown == wanted:
        return "", ""
    if now["disabled"]:
        return ("the field became disabled (a popup or script?) and "
                + ("kept nothing" if not shown else "holds something else") + "; deal with that, then type again"), ""
    if wanted and not shown:
        return (f"the field is empty (a script cleared it, or a {kind or 'text'} field needs another format)"), ""
    if now["maxlength"] >= 0 and len(shown) == now["maxlength"] < len(wanted):
        kept = f"only its first {len(shown)} characters were kept" if wanted.startswith(shown) else "it differs"
        return "", f" (maxlength={now['maxlength']}: {kept}" + ("" if secret else f", the field shows {shown!r}") + ")"
    if secret:
        return "", " (the field's value differs from the text typed: a script changed it)"
    return "", f" (the field now shows {shown[:80]!r})"


async def select_option(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    found = await _usable(env, p["index"])
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    index, wanted = p["index"], p["option"]
    if info["tag"] != "select":
        return ActionResult(error=f"element [{index}] is not a <select>; click it to open its list, then click the option")
    many = await element.evaluate("(e) => e.multiple")
    if isinstance(wanted, list) and not many:
        if len(wanted) != 1:
            return ActionResult(error=f"[{index}] takes one option, not a list (it is not a multiple select)")
        wanted = wanted[0]
    values = []
    for one in wanted if isinstance(wanted, list) else [wanted]:
        value = await element.evaluate(MATCH_OPTION, one)
        if value is None:
            options = await element.evaluate("(e) => Array.from(e.options).map((o) => o.label || o.text).slice(0, 30)")
            return ActionResult(error=f"[{index}] has no option {one!r}; options: {' | '.join(options)}")
        values.append(value)
    if not await env.guarded(element.select_option(value=values, timeout=QUICK_MS)):
        return ActionResult(message=f"selected {wanted!r} in [{index}]; a dialog opened")
    label = await element.evaluate("(e) => Array.from(e.selectedOptions).map((o) => o.label || o.text).join(', ')")
    only = " (only these are selected now)" if many else ""
    return ActionResult(message=f"selected {label!r} in [{index}] {name}{only}")


async def check(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    found = await _usable(env, p["index"])
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    index, wanted = p["index"], bool(p["checked"])
    checkable = info["type"] in ("checkbox", "radio") or info["role"] in (
        "checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio", "option")
    if not checkable:
        return ActionResult(error=f"element [{index}] is not a checkbox, radio or switch; use click")
    if info["checked"] != wanted:
        try:
            if not await env.guarded(element.set_checked(wanted, timeout=QUICK_MS)):
                return ActionResult(message=f"clicked [{index}]; a dialog opened")
        except PlaywrightError:
            await _click(env, element, info)
            await element.evaluate("() => new Promise((r) => setTimeout(r, 50))")
    now = (await _inspect(element))["checked"]
    if now != wanted:
        return ActionResult(error=f"[{index}] stayed {'checked' if now else 'unchecked'}"
                                  + (" (a radio cannot be unchecked directly; check another one)"
                                     if info["type"] == "radio" else ""))
    return ActionResult(message=f"{'checked' if wanted else 'unchecked'} [{index}] {name}")


async def hover(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    found = await _usable(env, p["index"], allow_disabled=True)
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    if not info["visible"]:
        return ActionResult(error=f"element [{p['index']}] is not visible now")
    if p.get("at") is None:
        await env.guarded(element.hover(timeout=QUICK_MS))
        return ActionResult(message=f"hovering over [{p['index']}] {name}")
    point = await point_in(element, p["at"], p["index"])
    if isinstance(point, str):
        return ActionResult(error=point)
    await env.guarded(element.hover(position=point, timeout=QUICK_MS, force=True))
    return ActionResult(message=f"hovering at ({point['x']:.0f}, {point['y']:.0f}) px of [{p['index']}] {name}")


async def drag(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    """Press the mouse on [index] (at its centre, or at point `at`), move it in steps onto [to] or by
    [dx, dy] pixels, release: drives HTML5 drag and drop and script drags (sortable lists, sliders,
    resize grips) alike."""
    index, to, by = p["index"], p.get("to"), p.get("by")
    if (to is None) == (by is None):
        return ActionResult(error="give either to (an element number) or by ([dx, dy] in pixels): one of them")
    if by is not None and len(by) != 2:
        return ActionResult(error=f"by must be two numbers [dx, dy], got {by}")
    found = await _usable(env, index)
    if isinstance(found, ActionResult):
        return found
    source, name, info = found
    if not info["visible"]:
        return ActionResult(error=f"element [{index}] is not visible now")
    target, target_name = None, ""
    if to is not None:
        aimed = await _usable(env, to, allow_disabled=True)
        if isinstance(aimed, ActionResult):
            return aimed
        target, target_name, _ = aimed
    point = await point_in(source, p.get("at"), index)
    if isinstance(point, str):
        return ActionResult(error=point)
    start = await source.bounding_box()
    end = await target.bounding_box() if target is not None else None
    if start is None or (target is not None and end is None):
        return ActionResult(error=f"element [{to if start else index}] has no box on the page now")
    x, y = start["x"] + point["x"], start["y"] + point["y"]
    viewport = env.page.viewport_size or {"width": 0, "height": 0}
    if end is not None:
        tx, ty = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
        if not (0 <= tx < viewport["width"] and 0 <= ty < viewport["height"]):
            return ActionResult(error=f"[{index}] and [{to}] are not on screen together; scroll so that both show")
        # the drop point lies just past the target's centre in the direction of travel: sortable lists
        # move an item once the pointer crosses the middle of the one it goes to
        tx += _sign(tx - x) * min(end["width"] / 4, PAST_CENTRE_PX)
        ty += _sign(ty - y) * min(end["height"] / 4, PAST_CENTRE_PX)
        done = f"onto [{to}] {target_name}"
    else:
        assert by is not None
        tx, ty = x + float(by[0]), y + float(by[1])
        if not (0 <= tx < viewport["width"] and 0 <= ty < viewport["height"]):
            return ActionResult(error=f"by={by} ends outside the viewport at ({tx:.0f}, {ty:.0f}); scroll first or drag less")
        done = f"by ({float(by[0]):g}, {float(by[1]):g}) px"
    mouse = env.page.mouse
    await mouse.move(x, y)
    await mouse.down()
    try:
        await mouse.move(x + 4, y + 4, steps=2)  # past the distance a drag needs to start
        await mouse.move(tx, ty, steps=DRAG_STEPS)
    finally:
        await mouse.up()
    return ActionResult(message=f"dragged [{index}] {name} {done}")


def _sign(delta: float) -> int:
    return 0 if abs(delta) < 2 else (1 if delta > 0 else -1)


async def upload_file(env: BrowserEnv, p: dict[str, Any]) -> ActionResult:
    index, wanted = p["index"], p["file"]
    path = _attached(env.files, wanted)
    if path is None:
        names = ", ".join(sorted(env.files)) or "none"
        return ActionResult(error=f"no attached file named {wanted!r}; attached files: {names}")
    found = await _usable(env, index)
    if isinstance(found, ActionResult):
        return found
    element, name, info = found
    target = (await element.evaluate_handle(FILE_INPUT)).as_element()
    if target is not None:
        await target.set_input_files(path, timeout=QUICK_MS)
        return ActionResult(message=f"attached {path.name} to [{index}] {name}")
    page = env.page
    try:
        async with page.expect_file_chooser(timeout=CHOOSER_MS) as chooser_info:
            await _click(env, element, info)
        chooser = await chooser_info.value
    except PlaywrightError:
        return ActionResult(error=f"element [{index}] is not a file input and did not open a file chooser")
    await chooser.set_files(path, timeout=QUICK_MS)
    return ActionResult(message=f"attached {path.name} through the file chooser of [{index}] {name}")


def _attached(files: dict, wanted: str):
    if wanted in files:
        return files[wanted]
    lowered = {k.lower(): v for k, v in files.items()}
    return lowered.get(wanted.lower()) or next((v for k, v in files.items() if v.name == wanted), None)


HANDLERS = {"click": click, "type": type_text, "select_option": select_option, "check": check,
            "hover": hover, "drag": drag, "upload_file": upload_file}
