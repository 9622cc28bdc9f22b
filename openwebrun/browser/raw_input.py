"""A person's raw input to a tab: clicks at a point, typing, key presses (the live view's takeover)."""
from __future__ import annotations

import asyncio
import random

from playwright.async_api import Page

INPUT_TIMEOUT_S = 10.0
HUMAN_DELAY_S = (0.04, 0.16)  # per key, with jitter, for humanLike typing
MAX_TYPE_CHARS = 10_000

MODIFIERS = {"control": "Control", "ctrl": "Control", "shift": "Shift", "alt": "Alt", "option": "Alt",
             "meta": "Meta", "cmd": "Meta", "command": "Meta", "controlormeta": "ControlOrMeta"}
NAMED_KEYS = {name.lower(): name for name in (
    "Enter", "Escape", "Tab", "Backspace", "Delete", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight",
    "PageUp", "PageDown", "Home", "End", "Insert", "Space",
    *(f"F{n}" for n in range(1, 13)))}
KEY_ALIASES = {"return": "Enter", "esc": "Escape", "del": "Delete", "up": "ArrowUp", "down": "ArrowDown",
               "left": "ArrowLeft", "right": "ArrowRight", "pgup": "PageUp", "pgdn": "PageDown", "space": " ",
               "spacebar": " "}


class InputError(ValueError):
    """Input that cannot be sent (unknown key name, text too long); the message says why."""


def normalize_key(key: str) -> str:
    """A key or combination in Playwright's form ("Control+A"); InputError for unknown names."""
    if not isinstance(key, str) or not key:
        raise InputError("key must be a non-empty string such as Enter, Escape, a, or Control+A")
    if len(key) == 1:
        return key
    parts = key.split("+")
    if key.endswith("+"):  # "Control++" presses Control and +
        parts = key[:-2].split("+") + ["+"] if key.endswith("++") else parts
    *mods, last = parts
    names = []
    for mod in mods:
        name = MODIFIERS.get(mod.strip().lower())
        if name is None:
            raise InputError(f"unknown modifier {mod!r} in {key!r}: use Control, Shift, Alt or Meta")
        names.append(name)
    names.append(_key_name(last.strip() if len(last) > 1 else last, key))
    return "+".join(names)


def _key_name(name: str, whole: str) -> str:
    if len(name) == 1:
        return name
    lowered = name.lower()
    if lowered in KEY_ALIASES:
        return KEY_ALIASES[lowered]
    if lowered in NAMED_KEYS:
        return NAMED_KEYS[lowered]
    if lowered in MODIFIERS:
        return MODIFIERS[lowered]
    raise InputError(f"unknown key {name!r} in {whole!r}: use Enter, Escape, Tab, Backspace, Delete, "
                     "ArrowUp/Down/Left/Right, PageUp, PageDown, Home, End, F1-F12, a single character, "
                     "or a combination such as Control+A")


async def click(page: Page, x: float, y: float, *, count: int = 1) -> None:
    """Click (count=2: double click) at page coordinates x, y."""
    await asyncio.wait_for(page.mouse.click(x, y, click_count=count), INPUT_TIMEOUT_S)


async def type_text(page: Page, text: str, *, human_like: bool = False) -> None:
    """Type into whatever has focus; human_like waits 40-160 ms between keys."""
    if len(text) > MAX_TYPE_CHARS:
        raise InputError(f"text is longer than {MAX_TYPE_CHARS} characters")
    if not human_like:
        await asyncio.wait_for(page.keyboard.type(text), INPUT_TIMEOUT_S + len(text) * 0.01)
        return
    for char in text:
        await asyncio.wait_for(page.keyboard.type(char), INPUT_TIMEOUT_S)
        await asyncio.sleep(random.uniform(*HUMAN_DELAY_S))


async def press_key(page: Page, key: str) -> None:
    await asyncio.wait_for(page.keyboard.press(normalize_key(key)), INPUT_TIMEOUT_S)
