"""The email-inbox family: open the sender's email, then reply, forward, delete or star it."""
from __future__ import annotations

import re

from bench.miniwob_policies.state import Missing, State, click, type_

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


def email_inbox(text: str, memory: dict) -> list[dict]:
    s = State(text)
    kind, sender, arg = parse(s.instruction())
    step = memory.get("step", "open")
    if step == "open":
        items = [e for e in s.elements if e.kind == "clickable" and e.label.startswith(sender + " ")]
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
