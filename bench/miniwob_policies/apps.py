"""Small apps: search engine, social media feed, date picker, flight booking."""
from __future__ import annotations

import re
from datetime import date

from bench.miniwob_policies.state import Missing, State, click, need, quoted, scroll_area, scroll_in, type_

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def search_engine(text: str, memory: dict) -> list[dict]:
    """Search, then page through the results (a fixed number per page) to the n-th one."""
    s = State(text)
    ins = s.instruction()
    term = quoted(ins)[0].strip()
    n = int(need(re.search(r"(\d+)(?:st|nd|rd|th) search result", ins), "which result").group(1))
    field = s.one("input", what="search box")
    if field.value != term:
        return [type_(field, term), click(s.one("button", "Search"))]
    results = [e for e in s.elements if e.kind == "link" and e.depth == 0 and not re.fullmatch(r"\d+|[<>]", e.label)]
    pages = [e for e in s.elements if e.kind == "link" and re.fullmatch(r"\d+", e.label)]
    if not results:
        raise Missing("search results")
    per_page = memory.setdefault("per_page", len(results))
    page = (n - 1) // per_page + 1
    current = memory.get("page", 1)
    if page == current:
        return [click(results[(n - 1) % per_page])]
    link = next((e for e in pages if e.label == str(page)), None)
    if link is None:
        raise Missing(f"a link to result page {page}")
    memory["page"] = page
    return [click(link)]


def social_media(text: str, memory: dict) -> list[dict]:
    """'For the user @x, click on the "Reply" button': find the post's buttons or its menu."""
    s = State(text)
    ins = s.instruction()
    user = need(re.search(r"(@\w+)", ins), "which user").group(1)
    action = quoted(ins)[-1].strip()
    lines = s.lines
    start = next((i for i, l in enumerate(lines) if user in l and not l.startswith("For the user")
                  and "[" not in l.split(user)[0][-6:]), None)
    item = next((e for e in s.elements if e.label.lower() == f"{action.lower()} {user}"), None)
    if item is not None and memory.get("opened"):  # the post's open menu, its post line scrolled away
        return [click(item)]
    if start is None:
        area = scroll_area(s)
        if area is not None and memory.get("looked", 0) < 6:
            memory["looked"] = memory.get("looked", 0) + 1
            return [scroll_in(area, pages=0.8)]
        raise Missing(f"a post by {user}")
    block = []
    for line in lines[start + 1:]:
        if re.search(r"@\w+ \d+h ago", line):
            break
        block.append(line)
    inside = [e for e in s.elements if any(line.strip().startswith(f"[{e.index}] ") for line in block)]
    area = scroll_area(s)
    if not inside and area is not None and memory.get("looked", 0) < 6:  # its buttons are below the edge
        memory["looked"] = memory.get("looked", 0) + 1
        return [scroll_in(area, pages=0.3)]
    a = action.lower()
    fits = [e for e in inside if e.label.lower() in (a, f"{a} {user}") or e.attrs.get("class", "").lower() == a]
    if fits:
        return [click(fits[0])]
    more = next((e for e in inside if e.label.lower() in ("more", "…", "...")
                 or e.attrs.get("class", "").lower() == "more"), None)
    if more is not None and not memory.get("opened"):
        memory["opened"] = True
        return [click(more)]
    if memory.get("opened") and area is not None and memory.get("scrolls", 0) < 3:
        memory["scrolls"] = memory.get("scrolls", 0) + 1  # the open menu runs past the feed's bottom edge
        return [scroll_in(area)]
    raise Missing(f"a {action!r} button (or a menu holding it) in the post by {user}: "
                  f"{len(inside)} numbered elements in the post")


def choose_date(text: str, memory: dict) -> list[dict]:
    s = State(text)
    m = need(re.search(r"(\d\d)/(\d\d)/(\d{4})", s.instruction()), "the date")
    field = s.one("input", what="date field")
    if field.value == m.group(0):
        return [click(s.one("button", "Submit"))]
    return pick_date(s, field, date(int(m.group(3)), int(m.group(1)), int(m.group(2))), memory)


def pick_date(s: State, field, target: date, memory: dict) -> list[dict]:
    """Open the date picker, step months to the target, click the day. The picker's Prev / Next
    controls are used when numbered; else its keyboard (PageUp / PageDown move a month)."""
    shown = next((mm for l in s.text_lines() for mm in [re.fullmatch(r"(\w+) (\d{4})", l)]
                  if mm and mm.group(1) in MONTHS), None)
    if shown is None:
        if memory.get("opened") == field.index:
            raise Missing("the open date picker's month and year")
        memory["opened"] = field.index
        return [click(field)]
    month = MONTHS.index(shown.group(1)) + 1
    diff = (target.year - int(shown.group(2))) * 12 + target.month - month
    if diff:
        label = "Next" if diff > 0 else "Prev"
        step = s.find(("link", "clickable", "button"), label)
        if step:
            return [click(step[0])]
        memory.setdefault("gaps", []).append(f"date picker {label} control not numbered")
        return [{"action": "press_key", "keys": " ".join(["PageDown" if diff > 0 else "PageUp"] * abs(diff))}]
    day = [e for e in s.elements if e.kind in ("link", "clickable", "gridcell") and e.label == str(target.day)]
    if not day:
        raise Missing(f"day {target.day} in the date picker")
    return [click(day[0])]


def book_flight(text: str, memory: dict) -> list[dict]:
    """Fill from/to (pick the autocomplete suggestion), the date by its picker, search, pick the
    cheapest or shortest flight, book it."""
    s = State(text)
    ins = " ".join(s.instruction().split())
    m = need(re.search(r"Book the (cheapest|shortest) one-way flight from: (.+?) to: (.+?) on (\d\d/\d\d/\d{4})", ins),
             "the flight")
    goal, src, dst, day = m.groups()
    books = [e for e in s.elements if e.kind == "button" and e.label.startswith("Book flight")]
    if books:
        return pick_flight(s, goal, books, memory)
    fields = [e for e in s.elements if e.kind == "input"]
    if len(fields) < 3:
        raise Missing("the From, To and date fields")
    frm, to, when = fields[:3]
    for field, wanted, key_ in ((frm, src, "from"), (to, dst, "to")):
        if memory.get(key_):
            continue
        fits = (lambda v, w=wanted: f"({w.lower()})" in v.lower()) if re.fullmatch(r"[A-Z]{3}", wanted) else \
            (lambda v, w=wanted: v.lower().startswith(w.lower()) and "(" in v)
        if fits(field.value):
            if any(e.kind == "clickable" and field.value in e.label for e in s.elements):
                return [{"action": "press_key", "keys": "Enter"}]  # close the suggestions on the choice
            memory[key_] = True
            continue
        suggestions = [e for e in s.elements if e.kind in ("clickable", "option", "menuitem") and fits(e.label)]
        single = [e for e in suggestions if len(re.findall(r"\([A-Z]{3}\)", e.label)) == 1]
        if single:
            return [click(single[0])]
        if memory.get(f"typed_{key_}") != field.index:
            memory[f"typed_{key_}"] = field.index
            return [type_(field, wanted)]
        downs = memory.get(f"downs_{key_}", 0)
        if downs >= 10:
            raise Missing(f"a suggestion for {wanted!r} after typing it")
        memory[f"downs_{key_}"] = downs + 1  # several suggestions in one element: walk them by keyboard
        return [{"action": "press_key", "keys": "ArrowDown"}]
    if when.value != day:
        mm, dd, yy = (int(x) for x in day.split("/"))
        return pick_date(s, when, date(yy, mm, dd), memory)
    return [click(s.one("button", "Search"))]


def pick_flight(s: State, goal: str, books, memory: dict) -> list[dict]:
    """Collect every flight (price from its button, duration from the line before it), scrolling the
    results' area to its end; then bring the best one into view and book it."""
    flights = memory.setdefault("flights", {})
    duration = None
    for line in s.lines:
        mm = re.fullmatch(r"\s*(\d+)h (\d+)m", line)
        if mm:
            duration = int(mm.group(1)) * 60 + int(mm.group(2))
        e = next((b for b in books if line.strip().startswith(f"[{b.index}] ")), None)
        if e is not None:
            price = int(need(re.search(r"\$(\d+)", e.label), "a price on the book button").group(1))
            if duration is None:  # its details are above the scroll area's top edge: seen on the next scroll
                continue
            flights[e.label] = (price, duration)
            duration = None
    key_ = (lambda k: flights[k][0]) if goal == "cheapest" else (lambda k: flights[k][1])
    area = scroll_area(s)
    if area is not None and not memory.get("aimed"):  # the results go on below the area's bottom edge
        return [scroll_in(area)]
    best = min(flights, key=key_)
    shown = [b for b in books if b.label == best]
    if shown and memory.get("aimed") == best:
        return [click(shown[0])]
    memory["aimed"] = best
    return [{"action": "scroll_to_text", "text": best}]


POLICIES = {
    "search-engine": search_engine, "social-media": social_media, "choose-date": choose_date,
    "book-flight": book_flight,
}
