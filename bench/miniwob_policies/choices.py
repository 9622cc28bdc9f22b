"""Tasks solved by choosing: checkboxes, radios, lists, autocomplete, number games."""
from __future__ import annotations

import re

from bench.miniwob_policies.forms import first_field, submit
from bench.miniwob_policies.state import Missing, State, check, click, key, need, quoted, select, type_


def click_checkboxes(text: str, memory: dict) -> list[dict]:
    s = State(text)
    m = need(re.search(r"Select (.*) and click Submit", s.instruction()), "what to select")
    wanted = [] if m.group(1).strip() == "nothing" else [w.strip() for w in m.group(1).split(",")]
    boxes = s.find("checkbox")
    missing = [w for w in wanted if not any(b.label == w for b in boxes)]
    if missing:
        raise Missing(f"checkboxes {missing}")
    return [check(b, b.label in wanted) for b in boxes] + [submit(s)]


def click_option(text: str, memory: dict) -> list[dict]:
    s = State(text)
    name = need(re.search(r"Select (.*) and click Submit", s.instruction()), "what to select").group(1).strip()
    return [check(s.one("radio", name)), submit(s)]


def choose_list(text: str, memory: dict) -> list[dict]:
    s = State(text)
    m = need(re.search(r"Select (.*) from the (?:scroll )?list and click Submit", s.instruction()), "what")
    names = [n.strip() for n in m.group(1).split(",")]
    lst = s.one("select")
    if "select multiple" in lst.body and len(names) > 1:
        return [select(lst, names), submit(s)]
    return [select(lst, names[0]), submit(s)]


def use_autocomplete(text: str, memory: dict) -> list[dict]:
    """Type the start; walk the suggestions with the arrow keys (the field shows the one in focus)
    until it starts and ends as asked; submit. A suggestion shown as its own element is clicked."""
    s = State(text)
    parts = [q.strip() for q in quoted(s.instruction())]
    start = parts[0]
    end = parts[1] if "ends with" in s.instruction() else ""
    field = first_field(s)
    fits = lambda v: v.startswith(start) and v.endswith(end) and len(v) > len(start)  # noqa: E731
    if fits(field.value):
        return [submit(s)]
    options = [e for e in s.elements if e.kind in ("option", "menuitem", "clickable", "link") and fits(e.label)]
    if options:
        return [click(options[0])]
    if not memory.get("typed"):
        memory["typed"] = True
        return [type_(field, start)]
    downs = memory.get("downs", 0)
    if downs >= 12:
        raise Missing(f"a suggestion that starts with {start!r} and ends with {end!r}")
    memory["downs"] = downs + 1
    return [key("ArrowDown")]


def odd_or_even(text: str, memory: dict) -> list[dict]:
    """Pairs of Odd/Even buttons with the number between them."""
    s = State(text)
    actions = []
    lines = s.lines
    for i, line in enumerate(lines):
        n = line.strip()
        if re.fullmatch(r"-?\d+", n):
            before = next((e for e in s.elements if lines[i - 1].strip().startswith(f"[{e.index}] ")), None)
            after = next((e for e in s.elements if lines[i + 1].strip().startswith(f"[{e.index}] ")), None)
            if before is None or after is None:
                raise Missing(f"the Odd/Even buttons around {n}")
            actions.append(click(after if int(n) % 2 == 0 else before))
    if not actions:
        raise Missing("the numbers to mark")
    return actions + [submit(s)]


def buy_ticket(text: str, memory: dict) -> list[dict]:
    s = State(text)
    ins = s.instruction()
    buttons = [(int(m.group(1)), e) for e in s.find("button") for m in [re.search(r"\$(\d+)", e.label)] if m]
    if not buttons:
        raise Missing("ticket prices")
    if "cheapest" in ins:
        return [click(min(buttons, key=lambda b: b[0])[1])]
    if "most expensive" in ins:
        return [click(max(buttons, key=lambda b: b[0])[1])]
    durations = []
    for line in s.lines:
        m = re.fullmatch(r"\s*(\d+)h (\d+)m", line)
        if m:
            durations.append(int(m.group(1)) * 60 + int(m.group(2)))
    if len(durations) != len(buttons):
        raise Missing("a duration for each ticket")
    pick = min(range(len(buttons)), key=lambda i: durations[i]) if "shortest" in ins else \
        max(range(len(buttons)), key=lambda i: durations[i])
    return [click(buttons[pick][1])]


def generate_number(text: str, memory: dict) -> list[dict]:
    s = State(text)
    ins = s.instruction()
    parity = re.search(r"an (even|odd) number", ins)
    m = re.search(r"number (less|greater|higher|lower) than (\d+)", ins)
    if parity:
        good = (lambda n: n % 2 == 0) if parity.group(1) == "even" else (lambda n: n % 2 == 1)
    else:
        m = need(m, "the bound")
        bound = int(m.group(2))
        good = (lambda n: n < bound) if m.group(1) in ("less", "lower") else (lambda n: n > bound)
    shown = next((l for l in s.text_lines()[1:] if re.fullmatch(r"-?\d+", l)), None)
    if shown is not None and good(int(shown)):
        return [submit(s)]
    memory["repeat"] = True  # the same number may come again: roll again
    return [click(s.one("button", "Generate"))]


def stock_market(text: str, memory: dict) -> list[dict]:
    s = State(text)
    limit = float(need(re.search(r"less than \$(\d+(?:\.\d+)?)", s.instruction()), "the price").group(1))
    price = next((float(m.group(1)) for l in s.text_lines() for m in [re.search(r"Stock price: \$([\d.]+)", l)] if m),
                 None)
    if price is None:  # not shown yet
        memory["repeat"] = True
        return [{"action": "wait", "seconds": 0.5}]
    if price < limit:
        return [click(s.one("button", "Buy"))]
    memory["repeat"] = True
    return [{"action": "wait", "seconds": 0.5}]


def guess_number(text: str, memory: dict) -> list[dict]:
    """Bisect 0-9 from the page's feedback ('higher' / 'lower')."""
    s = State(text)
    lo, hi = memory.setdefault("range", [0, 9])
    last = memory.get("last")
    feedback = " ".join(s.text_lines()[1:]).lower()
    if last is not None:
        if "higher" in feedback or "larger" in feedback:
            lo = last + 1
        elif "lower" in feedback or "smaller" in feedback:
            hi = last - 1
    memory["range"] = [lo, hi]
    guess = (lo + hi) // 2
    memory["last"] = guess
    return [type_(s.one("input", contains="type=number"), str(guess)), submit(s)]


def click_scroll_list(text: str, memory: dict) -> list[dict]:
    return choose_list(text, memory)


def phone_book(text: str, memory: dict) -> list[dict]:
    """Page through contacts until the named one shows, then click the asked field."""
    s = State(text)
    m = need(re.search(r"Find (.+?) in the contact book and click on their (\w+)", s.instruction()), "who")
    name, field = m.group(1).strip(), m.group(2).lower()
    names = [l.strip()[3:] for l in s.lines if l.strip().startswith("## ")]
    if name in names:
        block = s.text[s.text.index(f"## {name}"):]
        label = {"phone": "Phone:", "email": "Email:", "address": "Address:"}.get(field, field)
        after = block[block.index(label):] if label in block else ""
        link = next((e for e in s.elements if f"[{e.index}] " in after.split("\n", 2)[1]), None) if after else None
        if link is None:
            raise Missing(f"the {field} link of {name}")
        return [click(link)]
    nxt = s.find("link", ">")
    if not nxt:
        raise Missing(f"contact {name} and a next-page link")
    return [click(nxt[0])]


POLICIES = {
    "click-checkboxes": click_checkboxes, "click-checkboxes-large": click_checkboxes,
    "click-checkboxes-transfer": click_checkboxes, "click-option": click_option, "choose-list": choose_list,
    "click-scroll-list": click_scroll_list, "use-autocomplete": use_autocomplete, "odd-or-even": odd_or_even,
    "buy-ticket": buy_ticket, "generate-number": generate_number, "stock-market": stock_market,
    "guess-number": guess_number, "phone-book": phone_book,
}
