"""Sortable lists (jQuery UI sortable): the items are numbered and flagged draggable."""
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


POLICIES = {"drag-items": drag_items, "drag-sort-numbers": drag_sort_numbers}
