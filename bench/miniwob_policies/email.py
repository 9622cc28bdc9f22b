"""The email-inbox family: open the sender's email, then reply, forward, delete or star it."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Missing, State, click, scroll_area, scroll_in, type_

PATTERNS = [  # (instruction pattern, task kind); groups: sender, then the argument
    (r"Find the email by (.+?) and reply to them with the text \"(.*)\"", "reply"),
    (r"Find the email by (.+?) and forward that email to (.+?)\s*\.?$", "forward"),
    (r"Find the email by (.+?) and click the trash icon", "delete"),
    (r"Find the email by (.+?) and click the star icon", "star"),
]
NL_PATTERNS = [  # natural-language variants: (pattern, kind, sender group, argument group)
    (r"^(?:Give|Send|Forward|Pass)\s+(?:to\s+)?(.+?)\s+(?:the )?(?:message|email|mail)\s+"
     r"(?:you received |you got )?from\s+(.+?)[,.]?$", "forward", 2, 1),
    (r"^(?:Forward|Send|Pass)\s+(?:the )?(?:message|email|mail)\s+from\s+(.+?)\s+to\s+(.+?)[,.]?$", "forward", 1, 2),
    (r"^(.+?)'s (?:email|message) should be (?:deleted|removed|trashed)", "delete", 1, 0),
    (r"^(?:Delete|Remove|Trash)\s+(?:all |the )?(?:emails?|messages?|mails?)\s+(?:from|by)\s+(.+?)[,.]?$", "delete", 1, 0),
    (r"^(?:Mark|Star)\s+(?:the )?(?:email|message|mail)\s+(?:from|by)\s+(.+?)\s*(?:as important)?[,.]?$", "star", 1, 0),
    (r"^Reply to (.+?)(?:'s (?:email|message|mail))? with \"(.*)\"", "reply", 1, 2),
    (r"^Fo(?:r)?ward (?:the )?(?:email|message|mail) (?:by|from) (.+?) to (.+?)(?: please)?[,.]?$", "forward", 1, 2),
    (r"^Make sure the (?:email|message|mail) (?:written |sent )?(?:by|from) (.+?) is forwarded to (.+?)[,.]?$", "forward", 1, 2),
    (r"^Search for the (?:last )?(?:email|message|mail) (.+?) sent and (?:delete|remove|trash) it[,.]?$", "delete", 1, 0),
    (r"^(?:Email|Message|Write to) (.+?),? (?:the message|with|saying)[,:]? \"(.*)\"", "reply", 1, 2),
    (r"^Please forward to (.+?) the email (?:by|from) (.+?)[,.]?$", "forward", 2, 1),
    (r"^Send (.+?) the information (.+?) sent to you[,.]?$", "forward", 2, 1),
    (r"^(.+?) is waiting for the email (?:by|from) (.+?)[,.]?$", "forward", 2, 1),
    (r"^Please delete (.+?)'s emails?[,.]?$", "delete", 1, 0),
    (r"^Please find the email (.+?) sent me and (?:file|mark) it as important[,.]?$", "star", 1, 0),
]


def parse(instruction: str) -> tuple[str, str, str]:
    """(kind, sender, argument) of the instruction."""
    ins = " ".join(instruction.split())
    for pattern, kind in PATTERNS:
        m = re.search(pattern, ins)
        if m:
            arg = m.group(2).strip() if m.lastindex and m.lastindex >= 2 else ""
            return kind, m.group(1).strip(), arg
    for pattern, kind, who, arg in NL_PATTERNS:
        m = re.search(pattern, ins, re.I)
        if m:
            return kind, m.group(who).strip(), m.group(arg).strip() if arg else ""
    raise Missing(f"an instruction this policy understands: {ins!r}")


def icon(s: State, name: str):
    """An icon button by its name, or by the class / id the state shows for an unnamed one."""
    wanted = name.lower()
    for e in s.elements:
        if e.label.strip().lower() == wanted:
            return e
    for e in s.elements:
        hints = [v.lower() for k, v in e.attrs.items() if k in ("class", "id")]
        hints += re.findall(r"\bid=(\S+)", e.body)
        if wanted in hints or any(wanted in h.replace("-", " ").split() for h in hints):
            return e
    unnamed = [e.index for e in s.elements if e.kind == "clickable" and not e.label]
    raise Missing(f"no element named {name!r} (unnamed clickables: {unnamed})")


COMMON = {"Look", "Find", "Open", "Send", "Forward", "Please", "Search", "Get", "Go", "Locate", "Reply", "Delete",
          "Remove", "Mark", "Star", "The", "This", "That", "An", "A", "In", "Make", "Email", "Message", "Pass",
          "Give", "Could", "Can", "You", "I", "Then", "And", "Will", "Would", "Kindly", "Hey", "Hi"}


def read_freely(s: State, ins: str) -> tuple[str, str, str]:
    """Any other phrasing, read as a person would: the sender is the inbox name the instruction
    mentions, the verb says what to do, a recipient follows "to", a reply's text is quoted."""
    to = re.findall(r"\bto ([A-Z][\w-]+)", ins)
    names = [w for w in re.findall(r"\b([A-Z][a-z]+(?:-[A-Z]?[a-z]+)?)\b", ins)
             if w not in COMMON and w not in to]
    if len(set(names)) != 1:
        raise Missing(f"an instruction this policy understands: {ins!r}")
    sender = names[0]
    low = ins.lower()
    if re.search(r"\b(delete|remove|trash)", low):
        return "delete", sender, ""
    if re.search(r"\b(star|important)", low):
        return "star", sender, ""
    text = re.search(r'"(.*)"', ins)
    if text and re.search(r"\b(reply|respond|answer|write)", low):
        return "reply", sender, text.group(1)
    if to and re.search(r"\b(forward|send|pass|give)", low):
        return "forward", sender, to[-1]
    raise Missing(f"an instruction this policy understands: {ins!r}")


def email_inbox(text: str, memory: dict) -> list[dict]:
    s = State(text)
    try:
        kind, sender, arg = memory.get("parsed") or parse(s.instruction())
    except Missing:
        kind, sender, arg = read_freely(s, " ".join(s.instruction().split()))
    memory["parsed"] = (kind, sender, arg)
    step = memory.get("step", "open")
    if step == "open":
        items = [e for e in s.elements if e.kind == "clickable" and e.label.startswith(sender + " ")]
        area = scroll_area(s)
        if not items and area is not None and memory.get("scrolls", 0) < 8:
            memory["scrolls"] = memory.get("scrolls", 0) + 1  # further down the inbox's scroll area
            return [scroll_in(area, pages=0.8)]
        if not items:
            raise Missing(f"an email from {sender} in the inbox list")
        memory["step"] = "act"
        return [click(items[0])]
    if kind == "delete":
        return [click(icon(s, "trash"))]
    if kind == "star":
        memory["step"] = "starred"
        if step == "starred":
            return [click(icon(s, "close-email"))]
        return [click(icon(s, "star"))]
    if kind == "reply":
        if step == "act":
            memory["step"] = "write"
            return [click(icon(s, "Reply"))]
        box = s.one("textarea", what="reply text box")
        return [type_(box, arg), click(icon(s, "send"))]
    if step == "act":
        memory["step"] = "write"
        return [click(icon(s, "Forward"))]
    to = s.one("input", what="forward recipient field")
    return [type_(to, arg), click(icon(s, "send"))]


POLICIES = {name: email_inbox for name in (
    "email-inbox", "email-inbox-delete", "email-inbox-reply", "email-inbox-forward-nl", "email-inbox-nl-turk")}
