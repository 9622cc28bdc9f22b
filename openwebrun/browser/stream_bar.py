"""The browser bar drawn above the page in the live view, and the composed 1024x600 frame.

The bar (155 px) has a strip saying who is in control, a tab strip with the tabs' titles (the active
tab raised) and an address bar with the active tab's URL. The page's frame fills the 445 px below.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, BAR = 1024, 600, 155
PAGE_HEIGHT = HEIGHT - BAR

CONTROL_STRIP, TAB_STRIP = (0, 34), (34, 80)
ADDRESS = (80, 130)
BACKGROUND, TAB_BACK, ACTIVE_TAB = (222, 225, 230), (206, 210, 216), (255, 255, 255)
TEXT, MUTED = (32, 33, 36), (95, 99, 104)
CONTROL_COLOURS = {"agent": (26, 115, 232), "paused": (227, 116, 0), "human": (24, 128, 56),
                   "waiting": (197, 34, 31), "idle": (95, 99, 104), "ended": (60, 64, 67)}
CONTROL_LABELS = {"agent": "Agent in control", "paused": "Paused", "human": "A person is in control",
                  "waiting": "Waiting for a person's answer", "idle": "Idle: no task running",
                  "ended": "Session ended"}
MAX_TAB_WIDTH = 240


@dataclass(frozen=True)
class Tab:
    title: str
    active: bool


@dataclass(frozen=True)
class BarState:
    tabs: tuple[Tab, ...]
    url: str
    control: str  # one of CONTROL_LABELS


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """`text` cut at the end with an ellipsis so that it is at most `width` pixels wide."""
    if draw.textlength(text, font=font) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if draw.textlength(text[:mid] + "…", font=font) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…"


def draw_bar(state: BarState) -> Image.Image:
    bar = Image.new("RGB", (WIDTH, BAR), BACKGROUND)
    draw = ImageDraw.Draw(bar)
    small, normal = _font(13), _font(15)

    colour = CONTROL_COLOURS.get(state.control, MUTED)
    draw.rectangle((0, CONTROL_STRIP[0], WIDTH, CONTROL_STRIP[1] - 1), fill=colour)
    draw.ellipse((12, 11, 24, 23), fill=(255, 255, 255))
    draw.text((34, 9), CONTROL_LABELS.get(state.control, state.control), font=small, fill=(255, 255, 255))

    tabs = state.tabs or (Tab("New Tab", True),)
    tab_width = min(MAX_TAB_WIDTH, (WIDTH - 16) // len(tabs))
    top, bottom = TAB_STRIP
    for i, tab in enumerate(tabs):
        left = 8 + i * tab_width
        fill = ACTIVE_TAB if tab.active else TAB_BACK
        draw.rounded_rectangle((left, top + 6, left + tab_width - 4, bottom + (8 if tab.active else -2)),
                               radius=8, fill=fill)
        title = _fit(draw, tab.title or "Untitled", small, tab_width - 24)
        draw.text((left + 12, top + 17), title, font=small, fill=TEXT if tab.active else MUTED)

    draw.rectangle((0, ADDRESS[0], WIDTH, BAR), fill=ACTIVE_TAB)
    for i, glyph in enumerate(("←", "→", "⟳")):
        draw.text((14 + i * 28, ADDRESS[0] + 15), glyph, font=normal, fill=MUTED)
    draw.rounded_rectangle((100, ADDRESS[0] + 8, WIDTH - 16, ADDRESS[1] - 8), radius=17, fill=(241, 243, 244))
    draw.text((120, ADDRESS[0] + 16), _fit(draw, state.url or "about:blank", normal, WIDTH - 156),
              font=normal, fill=TEXT)
    draw.line((0, BAR - 1, WIDTH, BAR - 1), fill=(200, 200, 200))
    return bar


def compose(bar: Image.Image, page: Image.Image | None) -> Image.Image:
    """The 1024x600 frame: the bar on top, the page (scaled to 1024x445 if it is not) below."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    frame.paste(bar, (0, 0))
    if page is not None:
        if page.size != (WIDTH, PAGE_HEIGHT):
            page = page.resize((WIDTH, PAGE_HEIGHT))
        frame.paste(page, (0, BAR))
    return frame


def decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image.convert("RGB") if image.mode != "RGB" else image


def encode(image: Image.Image, quality: int = 70) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()
