"""Tasks solved by typing what the instruction (or the page) says into the right fields."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Missing, State, click, need, quoted, type_

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def submit(s: State) -> dict:
    found = s.find(("button", "clickable"), "Submit")
    if not found:
        raise Missing("no Submit button")
    return click(found[0])


def text_fields(s: State) -> list:
    return [e for e in s.elements if e.kind in ("input", "textarea") and e.input_type != "password"
            and "disabled" not in e.body]


def first_field(s: State):
    fields = [e for e in s.elements if e.kind == "input"]
    if not fields:
        raise Missing("no text field")
    return fields[0]


def enter_text(text: str, memory: dict) -> list[dict]:
    s = State(text)
    value = quoted(s.instruction())[0].strip()
    return [type_(first_field(s), value), submit(s)]


def enter_text_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    ins = s.instruction()
    value = quoted(ins)[0].strip()
    value = value.upper() if "upper case" in ins else value.lower()
    return [type_(first_field(s), value), submit(s)]


def enter_password(text: str, memory: dict) -> list[dict]:
    s = State(text)
    value = quoted(s.instruction())[0].strip()
    fields = [e for e in s.elements if e.kind == "input" and e.input_type == "password"]
    if len(fields) < 2:
        raise Missing("two password fields")
    return [type_(fields[0], value), type_(fields[1], value), submit(s)]


def login_user(text: str, memory: dict) -> list[dict]:
    s = State(text)
    user, password = [q.strip() for q in quoted(s.instruction())[:2]]
    user_field = s.one("input", contains="type=text", what="username field")
    pass_field = s.one("input", contains="type=password", what="password field")
    login = s.find("button", "Login") or s.find("button", "Log in") or s.find("button")
    return [type_(user_field, user), type_(pass_field, password), click(login[0])]


def login_user_popup(text: str, memory: dict) -> list[dict]:
    """A popup may open when a field gets focus: cancel it, then go on; one field per step."""
    s = State(text)
    user, password = [q.strip() for q in quoted(s.instruction())[:2]]
    if "Exit to home page?" in s.text_lines():
        return [click(s.one("button", "Cancel", what="popup's Cancel button"))]
    user_field = s.one("input", contains="type=text", what="username field")
    pass_field = s.one("input", contains="type=password", what="password field")
    if user_field.value != user:
        return [type_(user_field, user)]
    if 'value=""' in pass_field.body:
        return [type_(pass_field, password)]
    return [click(s.find("button", "OK")[-1])]


def enter_date(text: str, memory: dict) -> list[dict]:
    s = State(text)
    m = need(re.search(r"(\d\d)/(\d\d)/(\d{4})", s.instruction()), "a date")
    field = s.one("input", contains="type=date", what="date field")
    return typed_then_checked(s, field, memory, m.group(0), f"{m.group(3)}-{m.group(1)}-{m.group(2)}")


def typed_then_checked(s: State, field, memory: dict, shown: str, iso: str) -> list[dict]:
    """As a careful model would: type the value as the instruction writes it, look at the field,
    retype it in the field's own format (ISO) when it did not take, submit once it shows."""
    tries = memory.setdefault("tries", [])
    if field.value in (shown, iso):
        return [submit(s)]
    if len(tries) >= 2:
        raise Missing(f"the field shows {field.value!r} after typing {tries}")
    value = shown if not tries else iso
    tries.append(value)
    return [type_(field, value)]


def enter_time(text: str, memory: dict) -> list[dict]:
    s = State(text)
    m = need(re.search(r"(\d+):(\d\d) ?(AM|PM)", s.instruction()), "a time")
    field = s.one("input", contains="type=time", what="time field")
    hour = int(m.group(1)) % 12 + (12 if m.group(3) == "PM" else 0)
    return typed_then_checked(s, field, memory, m.group(0), f"{hour:02d}:{m.group(2)}")


def movie_search(text: str, memory: dict) -> list[dict]:
    """'Search for <genre> movies directed by <director> from year <year>.' into labelled fields."""
    s = State(text)
    m = need(re.search(r"Search for (.+?) movies directed by (.+?) from year (\d+)", s.instruction()), "the movie")
    wanted = {("genre",): m.group(1).strip(), ("director",): m.group(2).strip(), ("year", "date"): m.group(3)}
    actions = []
    for words, value in wanted.items():
        actions.append(type_(field_near_words(s, words), value))
    buttons = [e for e in s.elements if e.kind in ("button", "clickable")]
    if not buttons:
        raise Missing("no button to send the search")
    return actions + [click(buttons[-1])]


def field_near_words(s: State, words: tuple[str, ...]):
    """The field whose label (its own, or the text line just before it) has one of `words`."""
    previous = ""
    for line in s.lines:
        e = next((x for x in s.elements if line.strip().startswith(f"[{x.index}] ")), None)
        if e is None:
            previous = line.lower() if len(line.strip()) <= 30 else ""
            continue
        if e.kind in ("input", "textarea"):
            own = (e.label + " " + e.attrs.get("placeholder", "")).lower()
            if any(w in own for w in words) or (not own.strip() and any(w in previous for w in words)):
                return e
        previous = ""
    raise Missing(f"no field labelled with {' or '.join(words)!r}")


def field_after_label(s: State, label: str):
    """The field named `label`, or the first field after a text line `label` (label shown apart)."""
    for e in s.elements:
        if e.kind in ("input", "textarea") and label.lower() in (e.label + e.attrs.get("placeholder", "")).lower():
            return e
    candidates = [i for i, l in enumerate(s.lines) if l.strip().lower() == f"{label.lower()}:"]
    candidates += [i for i, l in enumerate(s.lines) if l.strip().lower() == label.lower()]
    for i in candidates:
        for later in s.lines[i + 1:]:
            e = next((x for x in s.elements if later.strip().startswith(f"[{x.index}]")), None)
            if e is not None and e.kind in ("input", "textarea"):
                return e
    raise Missing(f"no field labelled {label!r}")


def table_pairs(s: State) -> dict[str, str]:
    """Label/value pairs of a table shown as alternating text lines."""
    lines = s.text_lines()[1:]
    pairs = {}
    keys = ("Gender", "First name", "Last name", "Year of Birth", "Language", "Color", "Religion", "Country")
    for i, line in enumerate(lines[:-1]):
        if line in keys:
            pairs[line] = lines[i + 1]
    return pairs


def read_table(text: str, memory: dict) -> list[dict]:
    s = State(text)
    key = need(re.search(r"value of (.+?) into", s.instruction()), "which value").group(1).strip()
    pairs = table_pairs(s)
    if key not in pairs:
        raise Missing(f"table row {key!r}")
    return [type_(first_field(s), pairs[key]), submit(s)]


def read_table_2(text: str, memory: dict) -> list[dict]:
    """Form labels ('Gender:') are text lines just before their fields; values come from the table."""
    s = State(text)
    pairs = table_pairs(s)
    actions = []
    for i, line in enumerate(s.lines[1:], 1):
        e = next((x for x in s.elements if line.strip().startswith(f"[{x.index}] ")), None)
        if e is None or e.kind != "input":
            continue
        label = s.lines[i - 1].strip().rstrip(":")
        if label not in pairs:
            raise Missing(f"the label of field [{e.index}] (line before it: {s.lines[i - 1].strip()!r})")
        actions.append(type_(e, pairs[label]))
    return actions + [submit(s)]


def copy_paste(text: str, memory: dict) -> list[dict]:
    s = State(text)
    areas = s.find("textarea")
    n = 1
    m = re.search(r"(\d+)(?:st|nd|rd|th) text area", s.instruction())
    if m:
        n = int(m.group(1))
    if len(areas) < n:
        raise Missing(f"text area {n}")
    value = areas[n - 1].value
    if value.endswith("…"):
        raise Missing(f"the whole text of text area {n} (the state cuts it: {value[-30:]!r})")
    return [type_(s.one("input", what="text input"), value), submit(s)]


ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th) word")


def find_word(text: str, memory: dict) -> list[dict]:
    s = State(text)
    n = int(need(ORDINAL.search(s.instruction()), "which word").group(1))
    para = s.text_lines()[1]
    words = [w.strip(".,;:!?") for w in para.split()]
    if len(words) < n:
        raise Missing(f"word {n} of the paragraph")
    return [type_(first_field(s), words[n - 1]), submit(s)]


def arithmetic(text: str, memory: dict) -> list[dict]:
    s = State(text)
    problem = next((l for l in s.text_lines() if l.endswith("=")), None)
    m = need(re.match(r"(-?\d+) ([-+x*]) (-?\d+) =", problem or ""), "the problem")
    a, op, b = int(m.group(1)), m.group(2), int(m.group(3))
    value = a + b if op == "+" else a - b if op == "-" else a * b
    return [type_(first_field(s), str(value)), submit(s)]


def algebra(text: str, memory: dict) -> list[dict]:
    s = State(text)
    eq = next((l for l in s.text_lines() if "x" in l and "=" in l and not l.startswith("x =")
               and "Solve" not in l), None)
    m = need(re.match(r"(-?\d+)? ?([-+]) ?x = (-?\d+)|x ([-+]) (\d+) = (-?\d+)", eq or ""), "the equation")
    if m.group(3) is not None:  # a + x = c  or  a - x = c
        a, op, c = int(m.group(1) or 0), m.group(2), int(m.group(3))
        x = c - a if op == "+" else a - c
    else:  # x + b = c  or  x - b = c
        op, b, c = m.group(4), int(m.group(5)), int(m.group(6))
        x = c - b if op == "+" else c + b
    return [type_(first_field(s), str(x)), submit(s)]


def text_transform(text: str, memory: dict) -> list[dict]:
    """Type the text shown below the instruction, exactly as the page state shows it."""
    s = State(text)
    shown = s.text_lines()[1]
    return [type_(first_field(s), shown), submit(s)]


def use_spinner(text: str, memory: dict) -> list[dict]:
    s = State(text)
    value = need(re.search(r"Select (-?\d+)", s.instruction()), "the value").group(1)
    field = first_field(s)
    return [type_(field, value), submit(s)]


def scroll_text(text: str, memory: dict) -> list[dict]:
    """The last word of a long text area: from its value, or from read_page when the state cuts it."""
    s = State(text)
    area = s.one("textarea")
    value = area.value
    if value.endswith("…"):
        page = next((f for f in memory.get("feedback", []) if f and len(f) > len(value)), None)
        if page is None:
            return [{"action": "read_page"}]
        if value[:40] not in " ".join(page.split()):
            raise Missing("the text area's whole text, neither in the state nor in read_page")
        flat = " ".join(page.split())
        start = flat.index(value[:40])
        value = flat[start:].split("]")[0]
    word = value.split()[-1].strip(".,;:!?")
    return [type_(s.one("input"), word), submit(s)]


POLICIES = {
    "enter-text": enter_text, "enter-text-dynamic": enter_text, "enter-text-2": enter_text_2,
    "enter-password": enter_password, "login-user": login_user, "login-user-popup": login_user_popup,
    "enter-date": enter_date, "enter-time": enter_time, "multi-layouts": movie_search,
    "multi-orderings": movie_search, "read-table": read_table, "read-table-2": read_table_2,
    "copy-paste": copy_paste, "copy-paste-2": copy_paste, "find-word": find_word,
    "simple-arithmetic": arithmetic, "simple-algebra": algebra, "text-transform": text_transform,
    "use-spinner": use_spinner, "scroll-text": scroll_text,
}
