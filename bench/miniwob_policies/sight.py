"""Tasks that need what a person sees beyond words: colours, marks drawn by CSS, slider values,
hidden card faces, a text selection, a resize grip, a terminal's output, an editor's toolbar."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Element, Missing, State, click, key, need, quoted, scroll_in, type_

WINS = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def colour_of(e: Element) -> str:
    m = re.search(r"colour=(\w+)", e.body)
    return m.group(1) if m else ""


def submit(s: State) -> dict:
    return click(s.one(("button", "clickable"), "Submit"))


def click_color(text: str, memory: dict) -> list[dict]:
    """'Click on the <swatch> colored box.' or 'Click on the red colored box.'"""
    s = State(text)
    ins = " ".join(s.text_lines()[:2])
    boxes = [e for e in s.elements if e.attrs.get("class") == "color" and colour_of(e)]
    word = re.search(r"Click on the (\w+) colored box", ins)
    if word:
        wanted = {"grey": "gray", "aqua": "cyan", "fuchsia": "magenta"}.get(word.group(1), word.group(1))
    else:  # the colour is the swatch inside the instruction itself
        swatch = next((e for e in s.elements if colour_of(e) and e not in boxes), None)
        if swatch is None:
            raise Missing("the colour swatch of the instruction")
        wanted = colour_of(swatch)
    fits = [e for e in boxes if colour_of(e) == wanted]
    if not fits:
        raise Missing(f"a box coloured {wanted}")
    return [click(fits[0])]


def tic_tac_toe(text: str, memory: dict) -> list[dict]:
    """Win as X: win now, else block O, else centre, corner, any."""
    s = State(text)
    cells = [e for e in s.elements if re.match(r"clickable id=ttt-\d", e.body)]
    if len(cells) != 9:
        raise Missing("the 3x3 board")
    marks = ["x" if "image=x" in e.body else "o" if "image=o" in e.body else "" for e in cells]

    def finishing(who: str) -> int | None:
        for line in WINS:
            got = [marks[i] for i in line]
            if got.count(who) == 2 and got.count("") == 1:
                return line[got.index("")]
        return None

    move = finishing("x")
    if move is None:
        move = finishing("o")
    if move is None:
        move = next((i for i in (4, 0, 2, 6, 8, 1, 3, 5, 7) if not marks[i]), None)
    if move is None:
        raise Missing("a free cell")
    return [click(cells[move])]


def slider_value(e: Element) -> int:
    return int(need(re.search(r"value=(-?\d+)", e.body), "the slider's value").group(1))


def set_slider(e: Element, target: int) -> list[dict]:
    """Focus the handle, then step it with the arrow keys (what a keyboard user does)."""
    diff = target - slider_value(e)
    return [click(e), key(" ".join(["ArrowRight" if diff > 0 else "ArrowLeft"] * abs(diff)))] if diff else []


def use_slider(text: str, memory: dict) -> list[dict]:
    s = State(text)
    target = int(need(re.search(r"Select (-?\d+) with the slider", s.instruction()), "the value").group(1))
    handle = s.one("slider")
    return set_slider(handle, target) or [submit(s)]


def use_slider_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    combo = [int(x) for x in need(re.search(r"combination \[([-\d,\s]+)\]", s.instruction()), "the combination")
             .group(1).split(",")]
    handles = s.find("slider")
    if len(handles) != len(combo):
        raise Missing(f"{len(combo)} sliders")
    for handle, target in zip(handles, combo):
        moves = set_slider(handle, target)
        if moves:
            return moves
    return [submit(s)]


def paragraphs(s: State) -> list[str]:
    return [line for line in s.text_lines()[1:]]


def highlight_text(text: str, memory: dict) -> list[dict]:
    """'Highlight the text in the paragraph below' / 'in the 2nd paragraph': select it, submit."""
    s = State(text)
    if memory.get("selected"):
        return [submit(s)]
    m = re.search(r"the (\d+)(?:st|nd|rd|th) paragraph", s.instruction())
    texts = paragraphs(s)
    n = int(m.group(1)) if m else 1
    if len(texts) < n:
        raise Missing(f"paragraph {n}")
    wanted = texts[n - 1]
    if wanted.endswith("…"):
        raise Missing(f"the whole of paragraph {n} (the state cuts it)")
    memory["selected"] = True
    return [{"action": "select_text", "index": None, "text": wanted}]


def terminal(text: str, memory: dict) -> list[dict]:
    """List the files, read the listing, remove the one asked for."""
    s = State(text)
    term = s.one("clickable", contains="terminal")
    ins = s.instruction()
    step = memory.get("step", "ls")
    if step == "ls":
        memory["step"] = "read"
        return [click(term), key("l s Enter")]
    if step == "read":
        memory["step"] = "rm"
        return [{"action": "read_page", "index": term.index}]  # the listing is longer than the name shown
    listing = " ".join((memory["feedback"][0] if memory.get("feedback") else "").split())
    after = listing.rsplit("user$ ls", 1)[-1]
    names = [w for w in re.split(r"\s+", after.split("user$")[0]) if w]
    ext = re.search(r"extension \.?(\w+)", ins)
    if "no file extension" in ins:
        fits = [n for n in names if "." not in n]
    elif ext:
        fits = [n for n in names if n.endswith("." + ext.group(1))]
    else:
        raise Missing(f"which file to delete: {ins!r}")
    if not fits:
        raise Missing(f"a matching file in the listing {names}")
    if memory.get("removed"):
        raise Missing("the task did not end after rm")
    memory["removed"] = True
    letters = " ".join("Space" if c == " " else c for c in f"rm {fits[0]}")
    return [key(letters + " Enter")]


def find_greatest(text: str, memory: dict) -> list[dict]:
    """Turn each card over (one is face up at a time), remember its number, pick the greatest."""
    s = State(text)
    cards = [e for e in s.elements if "card" in e.attrs.get("class", "") or re.fullmatch(r"clickable \"\d+\"", e.body)]
    seen: dict = memory.setdefault("seen", {})
    for pos, e in enumerate(cards):
        if re.fullmatch(r"\d+", e.label):
            seen[pos] = int(e.label)
    if len(seen) < len(cards):
        pos = next(p for p in range(len(cards)) if p not in seen)
        return [click(cards[pos])]
    best = max(seen, key=seen.get)
    if cards[best].label == str(seen[best]):
        return [submit(s)]
    return [click(cards[best])]


def resize_textarea(text: str, memory: dict) -> list[dict]:
    """Drag the textarea's bottom-right corner (its resize grip) by a few pixels."""
    s = State(text)
    if memory.get("dragged"):
        return [submit(s)]
    ins = s.instruction()
    area = s.one("textarea")
    dx = dy = 0
    if "height" in ins:
        dy = -20 if "smaller" in ins else 30
    if "width" in ins:
        dx = -30 if "smaller" in ins else 40
    if not dx and not dy:
        raise Missing(f"how to resize: {ins!r}")
    memory["dragged"] = True
    return [{"action": "drag", "index": area.index, "at": [0.93, 0.93], "by": [dx, dy], "to": None}]


def scroll_text_2(text: str, memory: dict) -> list[dict]:
    s = State(text)
    area = s.one("textarea")
    up = "top" in s.instruction()
    if memory.get("scrolled"):
        return [submit(s)]
    memory["scrolled"] = True
    return [scroll_in(area, down=not up, pages=10)]


def sign_agreement(text: str, memory: dict) -> list[dict]:
    """'Click the cancel button.' or 'Scroll to the bottom of the textarea, enter the name "X" then
    press "Agree"': the name field and Agree stay disabled until the agreement is read to its end."""
    s = State(text)
    ins = s.instruction()
    if ins.startswith("Click the cancel button"):
        return [click(s.one("button", "Cancel"))]
    if not ins.startswith("Scroll to the bottom"):
        raise Missing(f"an instruction this policy understands: {ins!r}")
    name, button = quoted(ins)[:2]
    field = s.one("input", what="name field")
    if "disabled" in field.body:
        at_end = any(" 0 px below" in f or "already at the bottom" in f for f in memory.get("feedback", []))
        if at_end or memory.get("scrolls", 0) >= 10:
            raise Missing("an enabled name field after scrolling the agreement to its end")
        memory["scrolls"] = memory.get("scrolls", 0) + 1  # the scroll's message says how much is left
        memory["repeat"] = True  # the same state again: the text area's value shows its start only
        return [scroll_in(s.one("textarea"), pages=10)]
    return [type_(field, name), click(s.one("button", button))]


def text_editor(text: str, memory: dict) -> list[dict]:
    """Select the asked text (or everything) in the editor, press the style button or pick the colour."""
    s = State(text)
    ins = " ".join(s.text_lines()[0].split())
    editor = s.one("editable")
    m = re.search(r"give (?:the text (.+?)|everything) the (style|color) (\w+)", ins) or \
        re.search(r"make (everything) the (color) (\w+)", ins)
    m = need(m, "what to style")
    word, kind, what = m.group(1), m.group(2), m.group(3)
    step = memory.get("step", "select")
    if step == "select":
        memory["step"] = "style"
        whole = editor.attrs.get("text", "")
        target = whole if (word is None or word == "everything") else word
        return [{"action": "select_text", "index": editor.index, "text": target}]
    if kind == "style" and step == "style":
        memory["step"] = "submit"
        name = {"bold": "ql-bold", "italic": "ql-italic", "italics": "ql-italic", "underlined": "ql-underline"}[what]
        return [click(s.one("button", contains=name))]
    if kind == "color" and step == "style":
        memory["step"] = "pick"
        return [click(s.one("clickable", contains="ql-picker-label"))]
    if step == "pick":
        memory["step"] = "submit"
        swatches = [e for e in s.elements if "ql-picker-item" in e.body and colour_of(e)]
        fits = [e for e in swatches if colour_of(e) == what]
        if not fits:
            raise Missing(f"a {what} swatch among {[colour_of(e) for e in swatches]}")
        return [click(fits[0])]
    return [submit(s)]


POLICIES = {
    "click-color": click_color, "tic-tac-toe": tic_tac_toe, "use-slider": use_slider, "use-slider-2": use_slider_2,
    "highlight-text": highlight_text, "highlight-text-2": highlight_text, "terminal": terminal,
    "find-greatest": find_greatest, "resize-textarea": resize_textarea, "scroll-text-2": scroll_text_2,
    "sign-agreement": sign_agreement, "text-editor": text_editor,
}
