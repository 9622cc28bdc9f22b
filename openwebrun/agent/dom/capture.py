"""Capture the page state the model reads: one serializer evaluate per frame, stitched together.

Each frame numbers its own elements 1..k; the stitched text renumbers them in reading order and
`ElementRef`s map the global numbers back to (frame, local number) for the actions.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Frame, Page

from openwebrun.agent.dom.scripts import FRAME_SLOT, script

FRAME_TIMEOUT_S = 5.0
MAX_FRAMES = 20
MAX_INDENT = 4
# budgetMs: the serializer stops walking after this long and returns the lines it has (a huge or
# busy page gives a partial state well before FRAME_TIMEOUT_S gives none)
OPTIONS = {"textBand": 0.5, "elementBand": 2.0, "maxText": 160, "maxElements": 400, "maxLines": 1200,
           "budgetMs": 1500}


@dataclass(frozen=True)
class ElementRef:
    frame: Frame
    local: int  # number inside the frame's own capture
    line: str  # what the model was shown


@dataclass
class Capture:
    title: str
    lines: list[str]
    refs: dict[int, ElementRef]
    scroll: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    cut: bool = False  # a frame ran out of its time budget: the lines are the first part of the page
    frame_errors: int = 0
    ms: float = 0.0


async def _capture_frame(frame: Frame, version: int) -> dict[str, Any] | None:
    try:
        text = await asyncio.wait_for(frame.evaluate(script("serializer"), {"version": version, **OPTIONS}),
                                      FRAME_TIMEOUT_S)
        return json.loads(text)
    except Exception:  # detached, navigating, crashed or hung frame: shown as not readable
        return None


async def _slot_of(child: Frame) -> int:
    """Which iframe slot of the parent's capture holds `child` (-1 when unknown)."""
    try:
        element = await asyncio.wait_for(child.frame_element(), FRAME_TIMEOUT_S)
        parent = child.parent_frame
        if parent is None:
            return -1
        return int(await asyncio.wait_for(parent.evaluate(FRAME_SLOT, element), FRAME_TIMEOUT_S))
    except Exception:
        return -1


async def capture_page(page: Page, version: int) -> Capture:
    """Serialize every frame of `page` (in parallel) and stitch the frames in reading order."""
    started = time.perf_counter()
    frames = [f for f in page.frames if not f.is_detached()][:MAX_FRAMES]
    results = await asyncio.gather(*(_capture_frame(f, version) for f in frames))
    data = {f: r for f, r in zip(frames, results)}
    children: dict[Frame, dict[int, Frame]] = {}
    child_frames = [f for f in frames[1:] if f.parent_frame in data and data[f] is not None]
    slots = await asyncio.gather(*(_slot_of(f) for f in child_frames))
    for child, slot in zip(child_frames, slots):
        parent = child.parent_frame
        if slot >= 0 and parent is not None:
            children.setdefault(parent, {})[slot] = child

    out = Capture(title="", lines=[], refs={})
    main = data.get(page.main_frame)
    if main is None:
        out.frame_errors = 1
        out.ms = (time.perf_counter() - started) * 1000
        return out
    out.title = main.get("title") or ""
    out.scroll = main.get("scroll") or {}
    out.frame_errors = sum(1 for r in results if r is None)

    def emit(frame: Frame, base_depth: int) -> None:
        result = data.get(frame)
        if result is None:
            return
        out.truncated = out.truncated or bool(result.get("truncated"))
        out.cut = out.cut or bool(result.get("cut"))
        for line in result["lines"]:
            depth = min(base_depth + int(line["d"]), MAX_INDENT)
            pad = "  " * depth
            if line["f"] >= 0:
                child = children.get(frame, {}).get(line["f"])
                label = _frame_label(child)
                out.lines.append(f"{pad}{label}")
                if child is not None:
                    if data.get(child) is None:
                        out.lines.append(f"{pad}  (frame content not readable)")
                    else:
                        emit(child, depth + 1)
            elif line["i"]:
                number = len(out.refs) + 1
                text = f"{pad}[{number}] {line['t']}"
                out.refs[number] = ElementRef(frame, int(line["i"]), line["t"])
                out.lines.append(text)
            else:
                out.lines.append(f"{pad}{line['t']}")

    emit(page.main_frame, 0)
    out.ms = (time.perf_counter() - started) * 1000
    return out


def _frame_label(frame: Frame | None) -> str:
    if frame is None:
        return "iframe (loading)"
    url = frame.url
    if len(url) > 80:
        url = url[:79] + "…"
    return f"iframe {url}"
