"""Tasks solved by clicking the element the instruction names."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Missing, State, click, need, quoted

ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3}


def ordinal(word: str) -> int:
    m = re.match(r"(\d+)(st|nd|rd|th)", word)
    if not m:
        raise Missing(f"no ordinal in {word!r}")
    return int(m.group(1))


def click_button(text: str, memory: dict) -> list[dict]:
    s = State(text)
    name = quoted(s.instruction())[0].strip()
    return [click(s.one("button", name))]


def click_test(text: str, memory: dict) -> list[dict]:
    s = State(text)
    return [click(s.one("button", what="button"))]


def click_test_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    name = need(re.search(r"button (\w+)", s.instruction()), "which button").group(1)
    return [click(s.one("button", name))]


def click_button_sequence(text: str, memory: dict) -> list[dict]:
    s = State(text)
    names = re.findall(r"button (\w+)", s.instruction())
    done = memory.setdefault("clicked", 0)
    memory["clicked"] = len(names)
    return [click(s.one("button", n)) for n in names[done:]]


def button_delay(text: str, memory: dict) -> list[dict]:
    s = State(text)
    ins = s.instruction()
    first, second = re.findall(r"button (\w+)", ins)[:2]
    seconds = int(need(re.search(r"wait (\d+) second", ins), "how long to wait").group(1))
    return [click(s.one("button", first)), {"action": "wait", "seconds": seconds},
            click(s.one("button", second))]


def click_link(text: str, memory: dict) -> list[dict]:
    s = State(text)
    name = quoted(s.instruction())[0].strip()
    return [click(s.one(("link", "clickable"), name))]


def click_dialog(text: str, memory: dict) -> list[dict]:
    s = State(text)
    return [click(s.one("button", "Close", what="close button of the dialog"))]


def click_dialog_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    name = quoted(s.instruction())[0].strip()
    if name.lower() == "x":
        name = "Close"
    return [click(s.one("button", name))]


WIDGETS = {"button": lambda e: e.kind == "button", "checkbox": lambda e: e.kind == "checkbox",
           "radio": lambda e: e.kind == "radio", "text": lambda e: e.kind == "input" and e.input_type == "text",
           "textarea": lambda e: e.kind == "textarea"}


def click_widget(text: str, memory: dict) -> list[dict]:
    s = State(text)
    kind = quoted(s.instruction())[0].strip()
    test = WIDGETS.get(kind)
    if test is None:
        raise Missing(f"unknown widget kind {kind!r}")
    found = [e for e in s.elements if test(e)]
    if not found:
        raise Missing(f"no {kind} widget in the page state")
    return [click(found[0])]


def focus_text(text: str, memory: dict) -> list[dict]:
    s = State(text)
    return [click(s.one("input", what="text box"))]


def focus_text_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    n = ordinal(need(re.search(r"(\d+(?:st|nd|rd|th))", s.instruction()), "which box").group(1))
    boxes = s.find("input")
    if len(boxes) < n:
        raise Missing(f"fewer than {n} text boxes")
    return [click(boxes[n - 1])]


def click_collapsible(text: str, memory: dict) -> list[dict]:
    s = State(text)
    buttons = s.find("button", "Submit")
    if buttons and memory.get("expanded"):
        return [click(buttons[0])]
    memory["expanded"] = True
    header = next((e for e in s.elements if e.kind == "tab" and "collapsed" in e.body and e.label != "Submit"), None)
    if header is None:
        raise Missing("no collapsed section header")
    return [click(header)]


def sections_then_link(kind: str):
    """Open each tab / section in turn until the quoted link shows up, then click it."""
    def policy(text: str, memory: dict) -> list[dict]:
        s = State(text)
        name = quoted(s.instruction())[0].strip()
        links = s.find(("link", "clickable"), name)
        if links:
            return [click(links[0])]
        opened = memory.setdefault("opened", [])
        for e in s.elements:
            if e.kind == kind and e.label not in opened and "expanded" not in e.body and "selected" not in e.body:
                opened.append(e.label)
                return [click(e)]
        raise Missing(f"link {name!r} not in any {kind}")
    return policy


def click_tab(text: str, memory: dict) -> list[dict]:
    s = State(text)
    n = need(re.search(r"Tab #(\d+)", s.instruction()), "which tab").group(1)
    return [click(s.one("tab", f"Tab #{n}"))]


def click_menu_2(text: str, memory: dict) -> list[dict]:
    """Open the menu; hover items (submenus open on hover) until the named item shows, click it.
    The item is named by its text, or by its icon (`[icon ui-icon-stop]` in the instruction,
    `icon=ui-icon-stop` on the item)."""
    s = State(text)
    ins = s.instruction()
    names = quoted(ins)
    icon = re.search(r"\[icon ([\w-]+)\]", ins)
    if icon:
        wanted = lambda e: f"icon={icon.group(1)}" in e.body  # noqa: E731
    elif len(names) >= 2:
        wanted = lambda e: e.label == names[-1].strip()  # noqa: E731
    else:
        raise Missing(f"the item to click is not named in the instruction as shown: {ins!r}")
    items = s.find("menuitem")
    target = [e for e in items if wanted(e)]
    if target:
        return [click(target[0])]
    if not items:
        return [click(s.one("button", names[0].strip()) if names else s.one("button"))]
    hovered = memory.setdefault("hovered", [])
    for e in items:
        if e.label not in hovered:
            hovered.append(e.label)
            return [{"action": "hover", "index": e.index}]
    raise Missing(f"menu item {(icon.group(1) if icon else names[-1])!r} not shown, even with every submenu opened")


def click_menu(text: str, memory: dict) -> list[dict]:
    """'Select A>B>C': open each level by hovering, click the last."""
    s = State(text)
    path = [p.strip() for p in need(re.search(r"Select (.+)$", s.instruction()), "menu path").group(1).split(">")]
    for depth, name in enumerate(path):
        items = s.find("menuitem", name)
        if not items:
            raise Missing(f"menu item {name!r} not shown")
        if depth == len(path) - 1:
            return [click(items[0])]
        if memory.get("hovered", -1) < depth:
            memory["hovered"] = depth
            return [{"action": "hover", "index": items[0].index}]
    raise Missing("empty menu path")


def navigate_tree(text: str, memory: dict) -> list[dict]:
    """Open folders one by one until the named node appears."""
    s = State(text)
    name = quoted(s.instruction())[0].strip()
    found = s.find(("clickable", "treeitem", "link"), name)
    if found:
        return [click(found[0])]
    # a closed folder: collapsed (aria-expanded=false), or the jQuery treeview's "expandable-hitarea" toggle
    for e in s.elements:
        if "collapsed" in e.body or "expandable" in e.attrs.get("class", ""):
            return [click(e)]
    raise Missing(f"no node {name!r} shown, and no closed folder left to open")


POLICIES = {
    "click-button": click_button, "unicode-test": click_button, "click-test": click_test,
    "click-test-2": click_test_2, "click-button-sequence": click_button_sequence, "button-delay": button_delay,
    "click-link": click_link, "click-dialog": click_dialog, "click-dialog-2": click_dialog_2,
    "click-widget": click_widget, "focus-text": focus_text, "focus-text-2": focus_text_2,
    "click-collapsible": click_collapsible, "click-collapsible-2": sections_then_link("tab"),
    "click-tab": click_tab, "click-tab-2": sections_then_link("tab"), "click-menu-2": click_menu_2,
    "click-menu": click_menu, "navigate-tree": navigate_tree,
}
