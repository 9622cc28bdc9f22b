"""Lenient JSON reading for model output: JSON inside prose or ``` fences, trailing commas,
single-quoted strings, unquoted keys, Python literals, missing or extra closing brackets.
"""
from __future__ import annotations

import json
import re
from typing import Any

FENCE_RE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
MAX_STARTS = 20  # candidate start positions tried in a long reply
LITERALS = {"True": "true", "False": "false", "None": "null", "true": "true", "false": "false", "null": "null"}
ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def parse_lenient(text: str, *, want_object: bool = False) -> Any:
    """The JSON value in `text`, repaired if needed. Raises ValueError when none can be found.

    With want_object only a JSON object is accepted (a decision is always an object).
    """
    text = text.strip()
    value = _strict(text)
    if value is not None and _fits(value[0], want_object):
        return value[0]
    for block in FENCE_RE.findall(text):
        found = _from_candidates(block, want_object)
        if found is not None:
            return found[0]
    found = _from_candidates(text, want_object)
    if found is not None:
        return found[0]
    kind = "JSON object" if want_object else "JSON value"
    raise ValueError(f"no {kind} could be read from the reply")


def _fits(value: Any, want_object: bool) -> bool:
    return isinstance(value, dict) if want_object else True


def _strict(text: str) -> tuple[Any] | None:
    try:
        return (json.loads(text),)
    except (json.JSONDecodeError, RecursionError):
        return None


def _from_candidates(text: str, want_object: bool) -> tuple[Any] | None:
    openers = "{" if want_object else "{["
    starts = [i for i, c in enumerate(text) if c in openers][:MAX_STARTS]
    for start in starts:
        value = _strict(text[start:].strip()) or _strict(normalize(text[start:]))
        if value is not None and _fits(value[0], want_object):
            return value
    return None


def normalize(s: str) -> str:
    """Rewrite one JSON-like value (starting at s[0]) into strict JSON text; prose after it is dropped."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            text, i = _read_string(s, i)
            out.append(text)
            continue
        if c in "{[":
            stack.append(c)
            out.append(c)
        elif c in "}]":
            want = "{" if c == "}" else "["
            if want in stack:  # otherwise an extra closer: dropped
                while stack[-1] != want:
                    _close(out, stack.pop())
                _close(out, stack.pop())
            if not stack:
                break
        elif c.isalpha() or c == "_":
            word_end = i
            while word_end < n and (s[word_end].isalnum() or s[word_end] == "_"):
                word_end += 1
            word = s[i:word_end]
            rest = s[word_end:].lstrip()
            if rest.startswith(":") and stack and stack[-1] == "{":
                out.append(json.dumps(word))  # unquoted key
            else:
                out.append(LITERALS.get(word, word))
            i = word_end
            continue
        else:
            out.append(c)
        if not stack and c not in " \t\r\n":
            break  # a bare scalar at top level: nothing to balance
        i += 1
    while stack:
        _close(out, stack.pop())
    return "".join(out)


def _close(out: list[str], opener: str) -> None:
    _drop_trailing_comma(out)
    out.append("}" if opener == "{" else "]")


def _drop_trailing_comma(out: list[str]) -> None:
    j = len(out) - 1
    while j >= 0 and out[j].isspace():
        j -= 1
    if j >= 0 and out[j] == ",":
        del out[j]


def _read_string(s: str, start: int) -> tuple[str, int]:
    """Read a '...' or "..." string at s[start]; returns it double-quoted and the index after it.

    An unterminated string is closed at the end of the text.
    """
    quote = s[start]
    buf: list[str] = []
    j = start + 1
    while j < len(s):
        d = s[j]
        if d == "\\" and j + 1 < len(s):
            nxt = s[j + 1]
            buf.append("'" if nxt == "'" else d + nxt)
            j += 2
            continue
        if d == quote:
            j += 1
            break
        if d == '"':
            buf.append('\\"')  # only reachable inside a single-quoted string
        else:
            buf.append(ESCAPES.get(d, d))
        j += 1
    return '"' + "".join(buf) + '"', j
