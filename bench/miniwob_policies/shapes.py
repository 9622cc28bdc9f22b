"""Drawings and small forms read from the state: SVG shapes by kind and fill, grid coordinates,
numbers to click in order, shades of a colour, form sequences, a menu to order from."""
from __future__ import annotations

import colorsys
import re

from bench.miniwob_policies.sight import set_slider, submit
from bench.miniwob_policies.state import Element, Missing, State, check, click, need, quoted, scroll_area, scroll_in, type_

ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6}
KINDS = {"circle": "circle", "rect": "rectangle", "polygon": "triangle"}


def shape_kind(e: Element) -> str:
    """circle, rectangle, triangle, or for a text shape its character."""
    m = re.match(r"svg (\w+)", e.body)
    if not m:
        return ""
    if m.group(1) == "text":
        return e.label
    return KINDS.get(m.group(1), m.group(1))


def fill(e: Element) -> str:
    m = re.search(r"fill=(\S+)", e.body)
    return m.group(1) if m else ""


def identify_shape(text: str, memory: dict) -> list[dict]:
    s = State(text)
    shape = next((e for e in s.elements if e.kind == "svg"), None)
    if shape is None:
        raise Missing("the figure")
    kind = shape_kind(shape)
    name = {"circle": "Circle", "rectangle": "Rectangle", "triangle": "Triangle"}.get(kind)
    if name is None:
        name = "Number" if kind.isdigit() else "Letter"
    return [click(s.one("button", name))]


def click_shape(text: str, memory: dict) -> list[dict]:
    """'Click on a [large|small] [colour] [kind|character|item]' (the size is not told apart)."""
    s = State(text)
    words = s.instruction().removeprefix("Click on a ").split()
    words = [w for w in words if w not in ("large", "small")]
    shapes = [e for e in s.elements if e.kind == "svg"]
    colour = words[0] if len(words) == 2 else ""
    what = words[-1]
    def kind_fits(e: Element) -> bool:
        k = shape_kind(e)
        if what in ("item", k):
            return True
        if what == "digit":
            return k.isdigit()
        if what == "letter":
            return len(k) == 1 and k.isalpha()
        return what == "shape" and k in KINDS.values()

    fits = [e for e in shapes if (not colour or fill(e) == colour) and kind_fits(e)]
    if not fits:
        raise Missing(f"a shape {colour} {what}")
    return [click(fits[0])]


def grid_coordinate(text: str, memory: dict) -> list[dict]:
    s = State(text)
    x, y = need(re.search(r"\((-?\d+),\s*(-?\d+)\)", s.instruction()), "the coordinate").groups()
    return [click(s.one(contains=f"id=({x},{y})"))]


def ascending_numbers(text: str, memory: dict) -> list[dict]:
    """The numbers are covered after the first click: remember where each one was (in page order)."""
    s = State(text)
    shapes = [e for e in s.elements if e.kind == "svg"]
    if "order" not in memory:
        if not all(re.fullmatch(r"\d+", e.label) for e in shapes):
            raise Missing("the numbers before they are covered")
        memory["order"] = [int(e.label) for e in shapes]
    done: list = memory.setdefault("done", [])
    left = [n for n in memory["order"] if n not in done]  # the shapes still there, in page order
    if len(left) != len(shapes):
        raise Missing(f"{len(left)} shapes for the numbers left, the state has {len(shapes)}")
    value = min(left)
    done.append(value)
    return [click(shapes[left.index(value)])]


def hue_name(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
    h, _l, _s = colorsys.rgb_to_hls(r, g, b)
    degrees = h * 360
    return "red" if degrees < 60 or degrees >= 300 else "green" if degrees < 180 else "blue"


def click_shades(text: str, memory: dict) -> list[dict]:
    """'Select all the shades of red': the hue of each swatch's exact colour."""
    s = State(text)
    wanted = need(re.search(r"shades of (\w+)", s.instruction()), "the colour").group(1)
    swatches = [e for e in s.elements if re.search(r"colour=\w+ #[0-9a-f]{6}", e.body)]
    picks = [click(e) for e in swatches if hue_name(re.search(r"#([0-9a-f]{6})", e.body).group(1)) == wanted]
    if not picks:
        raise Missing(f"shades of {wanted}")
    return picks + [submit(s)]


def form_sequence(text: str, memory: dict) -> list[dict]:
    """'Select 1 with the slider, click the 3rd checkbox, then hit Submit.'"""
    s = State(text)
    ins = s.instruction()
    target = int(need(re.search(r"Select (-?\d+) with the slider", ins), "the value").group(1))
    moves = set_slider(s.one("slider"), target)
    if moves:
        return moves
    nth = ORDINALS[need(re.search(r"the (\d\w\w) checkbox", ins), "which checkbox").group(1)]
    box = s.find("checkbox")[nth - 1]
    if not box.checked:
        return [check(box)]
    return [submit(s)]


def form_sequence_2(text: str, memory: dict) -> list[dict]:
    """'Check the 1st radio button and enter the number "-5" into the 2nd textbox.'"""
    s = State(text)
    ins = s.instruction()
    radio = ORDINALS[need(re.search(r"the (\d\w\w) radio", ins), "which radio").group(1)]
    box = ORDINALS[need(re.search(r"into the (\d\w\w) textbox", ins), "which textbox").group(1)]
    value = quoted(ins)[0]
    return [check(s.find("radio")[radio - 1]), type_(s.find("input")[box - 1], value), submit(s)]


def order_food(text: str, memory: dict) -> list[dict]:
    """'Order one of each item: A, B' or 'Order 3 items that are vegan' (the menu marks kinds with
    icons): press + under the items (scrolling the menu), then Order!."""
    s = State(text)
    ins = s.instruction()
    each = re.search(r"Order one of each item: (.+)$", ins)
    kind = re.search(r"Order (\d+) items? that (?:are|is) ([\w-]+)", ins)
    if not each and not kind:
        raise Missing(f"an order this policy understands: {ins!r}")
    wanted = [i.strip() for i in each.group(1).split(", ")] if each else []
    count = len(wanted) if each else int(kind.group(1))
    added: list = memory.setdefault("added", [])
    lines = s.lines
    for at, line in enumerate(lines):
        name = line.strip()
        if LINE_START.match(name) or name in added:
            continue
        nearby = lines[at + 1:at + 5]
        plus = next((e for near in nearby for e in s.elements
                     if near.strip().startswith(f"[{e.index}] ") and e.label == "+"), None)
        if plus is None or len(added) >= count:
            continue
        icons = nearby[0] if nearby and nearby[0].strip().startswith("[img ") else ""
        if (each and name in wanted) or (kind and f"[img {kind.group(2)}]" in icons):
            added.append(name)
            return [click(plus)]
    area = scroll_area(s)
    if len(added) < count:
        if area is None:
            raise Missing(f"{count - len(added)} more items to order")
        return [scroll_in(area, pages=0.6)]
    order = [e for e in s.elements if e.label.startswith("Order")]
    if order:
        return [click(order[0])]
    if area is not None:
        return [scroll_in(area, pages=0.8)]
    raise Missing("an Order button")


LINE_START = re.compile(r"^(\[|#)")


DIRECTIONS = {"left": (-60, 0), "right": (60, 0), "up": (0, -60), "down": (0, 60)}


def drag_shape(text: str, memory: dict) -> list[dict]:
    """'Drag the item left then press Submit.': drag the one shape by a pixel offset."""
    s = State(text)
    outside = any("outside the viewport" in f for f in memory.get("feedback", []))
    if memory.get("dragged") and not outside:
        return [submit(s)]
    way = need(re.search(r"Drag the \w+ (left|right|up|down)", s.instruction()), "the direction").group(1)
    shape = next((e for e in s.elements if e.kind == "svg"), None)
    if shape is None:
        raise Missing("the shape to drag")
    memory["dragged"] = True
    memory["scale"] = memory.get("scale", 1.0) / (2 if outside else 1)  # too far: half as far
    dx, dy = (v * memory["scale"] for v in DIRECTIONS[way])
    return [{"action": "drag", "index": shape.index, "to": None, "by": [dx, dy], "at": None}]


def click_pie(text: str, memory: dict) -> list[dict]:
    """Open the pie menu (its "+" in the middle), then click the slice labelled as asked."""
    s = State(text)
    label = quoted(s.instruction())[-1]
    if not memory.get("opened"):
        memory["opened"] = True
        return [click(s.one("svg", "+"))]
    return [click(s.one("svg", label))]


def form_sequence_3(text: str, memory: dict) -> list[dict]:
    """'Choose 5ft 9in from the dropdown, then click the button labeled "Yes".': open the list by its
    arrow, pick the option, press the button."""
    s = State(text)
    ins = s.instruction()
    choice = need(re.search(r"Choose (.+?) from the dropdown", ins), "the choice").group(1)
    button = quoted(ins)[-1]
    if memory.get("picked"):
        return [click(s.one("button", button))]
    options = [e for e in s.elements if e.label == choice and e.kind in ("clickable", "option", "menuitem", "link")]
    if options:
        memory["picked"] = True
        return [click(options[0])]
    select = s.find("select")
    if select:
        memory["picked"] = True
        return [{"action": "select_option", "index": select[0].index, "option": choice}]
    if memory.get("opened"):
        area = scroll_area(s)
        if area is None or memory.get("scrolls", 0) >= 6:
            raise Missing(f"the option {choice!r} in the open list")
        memory["scrolls"] = memory.get("scrolls", 0) + 1  # further down the list's scroll area
        return [scroll_in(area)]
    memory["opened"] = True
    return [click(s.one("clickable", "▾"))]


POLICIES = {
    "form-sequence-3": form_sequence_3,
    "drag-single-shape": drag_shape, "drag-circle": drag_shape, "click-pie": click_pie, "click-pie-nodelay": click_pie,
    "identify-shape": identify_shape, "click-shape": click_shape, "grid-coordinate": grid_coordinate,
    "ascending-numbers": ascending_numbers, "click-shades": click_shades, "form-sequence": form_sequence,
    "form-sequence-2": form_sequence_2, "order-food": order_food,
}
