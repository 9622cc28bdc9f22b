"""Drag tasks: sortable lists and grids (jQuery UI sortable) and boxes (jQuery UI draggable), whose
items are numbered and flagged draggable."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Element, Missing, State, click, drag, need

ORDINAL = re.compile(r"to the (\d+)(?:st|nd|rd|th) position")


def items(s: State) -> list[Element]:
    found = [e for e in s.elements if e.body.endswith(" draggable")]
    if not found:
        raise Missing("the items of the list (numbered, draggable)")
    return found


def drag_items(text: str, memory: dict) -> list[dict]:
    """'Drag Quentin to the 2nd position.' (or to the top / bottom, up / down by one)."""
    s = State(text)
    ins = s.instruction()
    listed = items(s)
    m = need(re.match(r"Drag (.+?) (to the .+|up by one position|down by one position)\.?$", ins), "what to drag")
    name, where = m.group(1), m.group(2)
    source = next((e for e in listed if e.label == name), None)
    if source is None:
        raise Missing(f"an item {name!r}")
    at = listed.index(source)
    if where.startswith("to the top"):
        goal = 0
    elif where.startswith("to the bottom"):
        goal = len(listed) - 1
    elif where.startswith("up by one"):
        goal = at - 1
    elif where.startswith("down by one"):
        goal = at + 1
    else:
        goal = int(need(ORDINAL.match(where), "the position").group(1)) - 1
    return [drag(source, listed[goal])]


def drag_sort_numbers(text: str, memory: dict) -> list[dict]:
    """Sort ascending by moving the smallest misplaced number to its place, one drag a step."""
    s = State(text)
    listed = items(s)
    values = [int(e.label) for e in listed]
    for place in range(len(values)):
        smallest = min(range(place, len(values)), key=lambda k: values[k])
        if values[smallest] != values[place]:
            return [drag(listed[smallest], listed[place])]
    return [click(s.one("button", "Submit"))]


GRID = {"top left": 0, "top center": 1, "top right": 2, "center left": 3, "center": 4, "center right": 5,
        "bottom left": 6, "bottom center": 7, "bottom right": 8}


def drag_items_grid(text: str, memory: dict) -> list[dict]:
    """'Drag Deena to the center right.' or 'Drag Drucy up by one.': a 3x3 sortable grid, read left to right."""
    s = State(text)
    listed = items(s)
    m = need(re.match(r"Drag (.+?) (?:to the (.+?)|(up|down|left|right) by one)\.?$", s.instruction()), "what to drag")
    source = next((e for e in listed if e.label == m.group(1)), None)
    if m.group(2):
        place = GRID.get(m.group(2))
    elif source is not None:
        place = listed.index(source) + {"up": -3, "down": 3, "left": -1, "right": 1}[m.group(3)]
    else:
        place = None
    if source is None or place is None or place >= len(listed):
        raise Missing(f"an item {m.group(1)!r} and the place {m.group(2)!r}")
    return [drag(source, listed[place])]


def drag_box(text: str, memory: dict) -> list[dict]:
    """'Drag the smaller box so that it is completely inside the larger box.'"""
    s = State(text)
    if memory.get("dropped"):
        return [click(s.one("button", "Submit"))]
    listed = items(s)
    small = next((e for e in listed if e.label.islower()), None)
    large = next((e for e in listed if e.label.isupper()), None)
    if small is None or large is None:
        raise Missing("the small box (lower-case letter) and the large one (upper-case)")
    memory["dropped"] = True
    return [drag(small, large)]


POLICIES = {"drag-items": drag_items, "drag-sort-numbers": drag_sort_numbers, "drag-items-grid": drag_items_grid,
            "drag-box": drag_box}
