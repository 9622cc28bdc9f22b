"""A person's input from the live view, checked and sent to the session's active tab."""
from __future__ import annotations

import contextlib

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.browser import raw_input
from openwebrun.domain.commands import STREAM_BAR_HEIGHT, STREAM_HEIGHT, STREAM_WIDTH, Input, InputKind
from openwebrun.domain.errors import Refused
from openwebrun.runtime.control import TaskControl


def page_point(x: float, y: float) -> tuple[float, float]:
    """Stream pixels (x 0-1024, y 155-600) to page pixels; Refused outside the page area."""
    if not (0 <= x <= STREAM_WIDTH and STREAM_BAR_HEIGHT <= y <= STREAM_HEIGHT):
        raise Refused("VALIDATION_ERROR", f"Coordinates ({x:g}, {y:g}) are outside the page: x must be 0-{STREAM_WIDTH} "
                                          f"and y {STREAM_BAR_HEIGHT}-{STREAM_HEIGHT} (stream pixels; the browser bar "
                                          f"takes the top {STREAM_BAR_HEIGHT}).")
    return min(x, STREAM_WIDTH - 1), min(y - STREAM_BAR_HEIGHT, STREAM_HEIGHT - STREAM_BAR_HEIGHT - 1)


async def send_input(env: BrowserEnv, command: Input, control: TaskControl | None) -> None:
    if command.kind in (InputKind.CLICK, InputKind.DOUBLE_CLICK):
        x, y = page_point(command.x, command.y)
    elif command.kind is InputKind.KEY_PRESS:
        try:
            raw_input.normalize_key(command.key)
        except raw_input.InputError as exc:
            raise Refused("VALIDATION_ERROR", str(exc)) from None
    lock = control.input_lock() if control is not None else contextlib.nullcontext()
    async with lock:
        page = await env.ensure_page()
        try:
            if command.kind is InputKind.CLICK:
                await raw_input.click(page, x, y)
            elif command.kind is InputKind.DOUBLE_CLICK:
                await raw_input.click(page, x, y, count=2)
            elif command.kind is InputKind.TYPE:
                await raw_input.type_text(page, command.text, human_like=command.human_like)
            else:
                await raw_input.press_key(page, command.key)
        except raw_input.InputError as exc:
            raise Refused("VALIDATION_ERROR", str(exc)) from None
