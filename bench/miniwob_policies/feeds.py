"""Feeds read post by post: social-media-all / -some ('Click the "Share" button on all posts by @x')
and the natural-language forms of the e-mail tasks."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Missing, State, click, need, quoted, scroll_area, scroll_in

HEADER = re.compile(r"^\s*\S.*? (@\w+)(?: \d+h ago)?$")


def posts(s: State) -> list[tuple[str, str, list]]:
    """(user, header + first text line as the post's key, its numbered elements) of each post whose
    header line is in the state."""
    out = []
    current = None
    for line in s.lines:
        m = HEADER.match(line)
        if m and not line.lstrip().startswith("["):
            current = [m.group(1), line.strip(), []]
            out.append(current)
            continue
        if current is None:
            continue
        e = next((e for e in s.elements if line.strip().startswith(f"[{e.index}] ")), None)
        if e is None and not line.lstrip().startswith("["):
            if len(current[2]) == 0 and "|" not in current[1]:
                current[1] += " | " + line.strip()  # the post's text tells posts of one user apart
            else:
                current = None  # past the post (the page's own text)
            continue
        if e is not None:
            current[2].append(e)
    return [(u, k, els) for u, k, els in out]


def social_media_many(text: str, memory: dict) -> list[dict]:
    s = State(text)
    ins = s.instruction()
    user = need(re.search(r"(@\w+)", ins), "which user").group(1)
    action = quoted(ins)[0].strip().lower()
    m = re.search(r"on (\d+) posts? by", ins)
    wanted = int(m.group(1)) if m else None  # None: all of them
    done: set = memory.setdefault("done", set())
    clicks = []
    for who, key, els in posts(s):
        if who != user or key in done or (wanted is not None and len(done) >= wanted):
            continue
        button = next((e for e in els if e.label.lower() == action or e.attrs.get("class", "").lower() == action), None)
        if button is None:
            continue  # its buttons are below the area's edge: seen after scrolling
        done.add(key)
        clicks.append(click(button))
    if clicks:
        return clicks
    submit = s.find(("button", "clickable"), "Submit")
    area = scroll_area(s)
    if area is not None and (wanted is None or len(done) < wanted or not submit):
        return [scroll_in(area, pages=0.6)]  # more posts, or the Submit button, below the area's edge
    if not submit:
        raise Missing("a Submit button")
    return [click(submit[0])]


POLICIES = {"social-media-all": social_media_many, "social-media-some": social_media_many}
