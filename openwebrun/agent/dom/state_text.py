"""The page state as the model reads it: header (tabs, url, dialog, scroll position) and element lines."""
from __future__ import annotations

from typing import Any

from openwebrun.agent.dom.capture import Capture


def _pages(px: int, viewport: int) -> str:
    return f"{px} px ({px / max(viewport, 1):.1f} pages)"


def render_state(url: str, title: str, tabs: list[dict[str, Any]], capture: Capture | None,
                 dialog: dict[str, str] | None) -> str:
    lines: list[str] = []
    active = next((t for t in tabs if t["active"]), None)
    if len(tabs) > 1:
        lines.append("Tabs: " + " | ".join(
            f"[{t['index']}]{'*' if t['active'] else ''} {_short(t['title'] or t['url'], 40)}" for t in tabs)
            + "   (* = current)")
    tab_no = f"tab {active['index']}: " if active and len(tabs) > 1 else ""
    lines.append(f"Current {tab_no}{_short(title, 80) or '(no title)'} — {url}")
    if dialog is not None:
        message = _short(dialog["message"], 300)
        lines.append(f"A JavaScript {dialog['type']} dialog is open: \"{message}\""
                     + (f" (default text \"{_short(dialog['default'], 60)}\")" if dialog.get("default") else ""))
        lines.append("The page cannot be used until you answer it with the dialog action.")
        return "\n".join(lines)
    if capture is None or (not capture.lines and capture.frame_errors):
        lines.append("(the page could not be read; it may still be loading — wait or reload)")
        return "\n".join(lines)
    scroll = capture.scroll
    viewport = int(scroll.get("viewport") or 1)
    above = int(scroll.get("y") or 0)
    below = max(0, int(scroll.get("height") or 0) - above - viewport)
    lines.append(f"↑ {_pages(above, viewport)} above" if above > 4 else "[top of page]")
    lines.extend(capture.lines if capture.lines else ["(empty page)"])
    if capture.cut:
        lines.append("(the page is too large to read at once; this is its first part: scroll or use read_page)")
    elif capture.truncated:
        lines.append("(more elements than shown; scroll or use read_page)")
    lines.append(f"↓ {_pages(below, viewport)} below — scroll for more" if below > 4 else "[end of page]")
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
