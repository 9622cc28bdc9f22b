"""Reading the serialized page state the way a model would: numbered element lines and text lines.

Everything here works on `state.text` alone. `Missing` is what a policy raises when the page state
does not show something it needs (an observation gap); `Unsupported` when the state shows it but no
action can do what is needed (an action gap).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LINE = re.compile(r"^(?P<pad> *)\[(?P<index>\d+)\] (?P<body>.*)$")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
CHROME = re.compile(r"^(Current |Tabs: |↑ |↓ |\[top of page\]|\[end of page\])")
# The harness's reward panel beside the task (part of every MiniWoB++ page).
PANEL = ("Last reward:", "Last 10 average:", "Time left:", "Episodes done:")


class Missing(Exception):
    """The page state lacks something the policy needs (an observation gap)."""


class Unsupported(Exception):
    """The page state shows what is needed but no action of the set can do it (an action gap)."""


@dataclass(frozen=True)
class Element:
    index: int
    kind: str  # button, link, input, checkbox, radio, select, textarea, clickable, tab, treeitem, ...
    label: str  # first quoted text of the line
    body: str  # the whole line after the number
    depth: int
    attrs: dict[str, str] = field(default_factory=dict)  # value=, placeholder=, selected=, name=

    @property
    def checked(self) -> bool:
        return " checked" in f" {self.body}" and " unchecked" not in f" {self.body}"

    @property
    def value(self) -> str:
        return self.attrs.get("value", "")

    @property
    def input_type(self) -> str:
        m = re.match(r"input type=(\S+)", self.body)
        return m.group(1) if m else ""


def _unquote(s: str) -> str:
    return s.replace('\\"', '"').replace("\\\\", "\\")


def parse_element(line: str) -> Element | None:
    m = LINE.match(line)
    if not m:
        return None
    body = m.group("body")
    kind = body.split(" ", 1)[0]
    if body.startswith("input type="):
        kind = "input"
    elif body.startswith("select multiple"):
        kind = "select"
    quotes = QUOTED.findall(body)
    attrs = {k: _unquote(v) for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*")', body) for v in [v[1:-1]]}
    label = ""
    if quotes:
        first = QUOTED.search(body)
        before = body[: first.start()]
        label = "" if before.rstrip().endswith("=") else _unquote(quotes[0])
    return Element(index=int(m.group("index")), kind=kind, label=label, body=body,
                   depth=len(m.group("pad")) // 2, attrs=attrs)


class State:
    """One page state: its lines, elements and the task instruction."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines()
        self.elements = [e for e in (parse_element(l) for l in self.lines) if e is not None]

    # --- text ------------------------------------------------------------------------
    def text_lines(self) -> list[str]:
        """Plain text lines of the page (no header, no numbered elements, no reward panel)."""
        out = []
        for line in self.lines:
            s = line.strip()
            if not s or CHROME.match(s) or LINE.match(line) or s.startswith(PANEL):
                continue
            out.append(s)
        return out

    def instruction(self) -> str:
        """The task's instruction: the first text line of the page (MiniWoB++ puts it on top)."""
        lines = self.text_lines()
        if not lines:
            raise Missing("no text line with the instruction")
        return lines[0]

    def after(self, marker: str) -> list[str]:
        """Text lines after the first one containing `marker`."""
        lines = self.text_lines()
        for i, line in enumerate(lines):
            if marker in line:
                return lines[i + 1:]
        return []

    # --- elements --------------------------------------------------------------------
    def find(self, kind: str | tuple[str, ...] | None = None, label: str | None = None, *, exact: bool = True,
             contains: str | None = None) -> list[Element]:
        kinds = (kind,) if isinstance(kind, str) else kind
        out = []
        for e in self.elements:
            if kinds and e.kind not in kinds:
                continue
            if label is not None:
                if exact and e.label.strip() != label.strip():
                    continue
                if not exact and label.strip().lower() not in e.label.lower():
                    continue
            if contains is not None and contains not in e.body:
                continue
            out.append(e)
        return out

    def one(self, kind: str | tuple[str, ...] | None = None, label: str | None = None, *, exact: bool = True,
            contains: str | None = None, what: str = "") -> Element:
        found = self.find(kind, label, exact=exact, contains=contains)
        if not found:
            raise Missing(f"no {what or kind or 'element'}{f' labelled {label!r}' if label is not None else ''}"
                          f"{f' containing {contains!r}' if contains else ''} in the page state")
        return found[0]

    def inputs(self) -> list[Element]:
        return [e for e in self.elements if e.kind in ("input", "textarea")]


def quoted(text: str) -> list[str]:
    """Quoted parts of an instruction ("..." or '...')."""
    return [a or b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', text)]


def need(match: re.Match | None, what: str) -> re.Match:
    if match is None:
        raise Missing(f"instruction does not say {what}")
    return match


# --- actions ------------------------------------------------------------------------------
def click(e: Element) -> dict:
    return {"action": "click", "index": e.index}


def type_(e: Element, text: str, submit: bool = False) -> dict:
    return {"action": "type", "index": e.index, "text": text, "submit": submit}


def check(e: Element, checked: bool = True) -> dict:
    return {"action": "check", "index": e.index, "checked": checked}


def select(e: Element, option: str | list[str]) -> dict:
    return {"action": "select_option", "index": e.index, "option": option}


def key(keys: str) -> dict:
    return {"action": "press_key", "keys": keys}


def drag(e: Element, onto: Element) -> dict:
    return {"action": "drag", "index": e.index, "to": onto.index}


def scroll_area(s: State, direction: str = "below") -> Element | None:
    """The first scroll area of the state with content hidden on that side ("below", "above")."""
    return next((e for e in s.elements if e.body.startswith("scroll area:") or "(scroll area:" in e.body
                 if f"px {direction}" in e.body.split("scroll area:", 1)[1]), None)


def scroll_in(e: Element, down: bool = True, pages: float = 0.5) -> dict:
    return {"action": "scroll", "direction": "down" if down else "up", "pages": pages, "index": e.index}
