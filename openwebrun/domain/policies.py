"""Automation policies: the model, its validation and the evaluation of one attempted action. No I/O.

A policy holds domain rules (a mode and host patterns), action rules (a category, a permission,
and what they match) and a default action for categories without rules. Evaluating an attempt
collects every matching rule; the most restrictive result wins: block > guardrail > allow.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import regex

from openwebrun.domain.detectors import DETECTORS
from openwebrun.domain.models import utcnow

Permission = Literal["allow", "block", "guardrail"]
RANK = {"allow": 0, "guardrail": 1, "block": 2}
REGEX_TIMEOUT_S = 0.05  # one rule's regex on one text; a catastrophic pattern counts as a match

CATEGORIES: dict[str, str] = {  # id -> label in WebRun's dashboard
    "navigation": "Navigation",
    "click": "Click",
    "type": "Type / Keyboard",
    "file_download": "File Download",
    "file_upload": "File Upload",
    "form_submit": "Form Submit",
    "screenshot": "Screenshot",
    "shell_command": "Shell Command",
    "clipboard": "Clipboard",
    "tab_management": "Tab Management",
    "scroll": "Scroll",
    "mouse_move": "Mouse Move",
}
DOMAIN_MODES = ("allow_all", "allowlist", "blocklist")
SCOPES = ("all", "target", "page")
MATCH_TYPES = ("keyword", "regex", "detector")
NAME_LIMIT = 255
ROLE_LIMIT = 2000


class PolicyInvalid(ValueError):
    """A policy that does not validate; the message names the rule and the problem."""


def category_id(value: str) -> str | None:
    """The category id of an id or a dashboard label ("Type / Keyboard" -> "type"); None if unknown."""
    wanted = value.strip().lower()
    for key, label in CATEGORIES.items():
        if wanted in (key, label.lower(), key.replace("_", " ")):
            return key
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a domain pattern (`example.com`, `*.example.com`, `*example.com`); None if it is."""
    value = pattern.strip().lower()
    rest = value[2:] if value.startswith("*.") else value[1:] if value.startswith("*") else value
    if not rest:
        return "is empty"
    if "*" in rest:
        return "may hold * only at its start (*.example.com or *example.com)"
    if any(c in rest for c in "/:?#@ ") or any(c.isspace() for c in rest):
        return "must be a host pattern such as example.com, *.example.com or *example.com (no scheme, port or path)"
    if not regex.fullmatch(r"[a-z0-9._-]+", rest) or ".." in rest or rest.startswith("-"):
        return "has characters a host name cannot have"
    return None


def host_matches(pattern: str, host: str) -> bool:
    """`example.com`: that host only; `*.example.com`: subdomains at any depth, not the apex;
    `*example.com`: any host ending so (badexample.com too)."""
    pattern, host = pattern.strip().lower(), host.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.startswith("*"):
        return host.endswith(pattern[1:])
    return host == pattern


@dataclass(frozen=True)
class DomainEntry:
    id: str
    pattern: str
    action: Permission  # allowlist entries default to allow; others block or guardrail


@dataclass(frozen=True)
class ActionRule:
    id: str
    category: str
    permission: Permission
    url_pattern: str | None = None  # navigation rules: a glob over the whole URL
    scope: str = "all"  # all, target, page
    match_type: str = "keyword"  # keyword, regex, detector
    match: str = ""
    compiled: Any = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        if self.category == "navigation":
            return f"{self.permission} navigation to {self.url_pattern}"
        return f"{self.permission} {self.category} when {self.scope} matches {self.match_type} {self.match!r}"


@dataclass
class Policy:
    id: str
    account_id: str
    name: str
    description: str = ""
    status: str = "active"  # active, draft
    llm_role: str = ""
    domain_mode: str = "allow_all"
    domains: list[DomainEntry] = field(default_factory=list)
    rules: list[ActionRule] = field(default_factory=list)
    default_action: Permission = "allow"
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Attempt:
    """One action the agent wants to take, as the rules see it."""

    categories: tuple[str, ...]  # e.g. ("type", "form_submit") for type with submit
    action: str  # what it is, for people: 'type "..." into [3] input "Card"'
    target: str = ""  # the element acted on and the value or URL given
    page: str = ""  # the visible page text
    url: str | None = None  # where a navigation goes

    @property
    def host(self) -> str | None:
        if not self.url:
            return None
        from urllib.parse import urlsplit
        try:
            return urlsplit(self.url).hostname
        except ValueError:
            return None


@dataclass(frozen=True)
class Decision:
    decision: Permission
    rule_id: str | None = None  # the rule that decided (None: nothing matched, the default or allow)
    reason: str = ""
    category: str = ""


ALLOW = Decision("allow")


def domain_decision(policy: Policy, host: str) -> Decision:
    """What the domain rules say about a host (block, guardrail or allow)."""
    host = host.strip("[]").lower()
    matched = [e for e in policy.domains if host_matches(e.pattern, host)]
    if policy.domain_mode == "allowlist":
        if not matched:
            return Decision("block", "domains", f"{host} is not on the policy's allowlist", "navigation")
        worst = max(matched, key=lambda e: RANK[e.action])
        if worst.action == "allow":
            return ALLOW
        return Decision(worst.action, worst.id, f"domain rule {worst.pattern} ({worst.action})", "navigation")
    restrictive = [e for e in matched if e.action != "allow"]
    if not restrictive:
        return ALLOW
    worst = max(restrictive, key=lambda e: RANK[e.action])
    return Decision(worst.action, worst.id, f"domain rule {worst.pattern} ({worst.action})", "navigation")


def evaluate(policy: Policy, attempt: Attempt) -> Decision:
    """The policy's decision on `attempt`: every matching rule counts, the most restrictive wins."""
    found: list[Decision] = []
    if attempt.url and (host := attempt.host):
        found.append(domain_decision(policy, host))
    for category in attempt.categories:
        rules = [r for r in policy.rules if r.category == category]
        if not rules:
            if policy.default_action != "allow":
                found.append(Decision(policy.default_action, "default",
                                      f"the policy's default action for {CATEGORIES[category]}", category))
            continue
        for rule in rules:
            if rule_matches(rule, attempt):
                found.append(Decision(rule.permission, rule.id, rule.describe(), category))
    if not found:
        return ALLOW
    return max(found, key=lambda d: RANK[d.decision])


def rule_matches(rule: ActionRule, attempt: Attempt) -> bool:
    if rule.category == "navigation":
        return bool(attempt.url) and fnmatch.fnmatchcase((attempt.url or "").lower(), (rule.url_pattern or "*").lower())
    text = {"target": attempt.target, "page": attempt.page}.get(rule.scope)
    if text is None:
        text = f"{attempt.action}\n{attempt.target}\n{attempt.page}"
    return text_matches(rule, text)


def text_matches(rule: ActionRule, text: str) -> bool:
    if rule.match_type == "keyword":
        return rule.match.lower() in text.lower()
    if rule.match_type == "detector":
        return DETECTORS[rule.match](text)
    try:
        return rule.compiled.search(text, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        return True  # a pattern too slow to decide: the restrictive reading


# --- building and validating ------------------------------------------------------------
def build_policy(doc: dict[str, Any], *, policy_id: str, account_id: str,
                 created_at: datetime | None = None) -> Policy:
    """A Policy from its document (the wire shape, camelCase); PolicyInvalid names what is wrong."""
    if not isinstance(doc, dict):
        raise PolicyInvalid("a policy must be a JSON object")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyInvalid("name is required (a non-empty string)")
    if len(name) > NAME_LIMIT:
        raise PolicyInvalid(f"name is longer than {NAME_LIMIT} characters")
    description = _text(doc, "description", 10_000)
    status = doc.get("status", "active")
    if status not in ("active", "draft"):
        raise PolicyInvalid("status must be 'active' or 'draft'")
    role = _text(doc, "llmRole", ROLE_LIMIT)
    default = doc.get("defaultAction", "allow")
    if default not in RANK:
        raise PolicyInvalid("defaultAction must be 'allow', 'block' or 'guardrail'")
    mode, domains = _domain_rules(doc.get("domainRules"))
    rules = [_action_rule(i, raw) for i, raw in enumerate(_list(doc, "actionRules"))]
    ids = [e.id for e in domains] + [r.id for r in rules]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise PolicyInvalid(f"rule id {duplicate!r} is used twice; rule ids must be unique in a policy")
    now = utcnow()
    return Policy(id=policy_id, account_id=account_id, name=name.strip(), description=description, status=status,
                  llm_role=role, domain_mode=mode, domains=domains, rules=rules, default_action=default,
                  created_at=created_at or now, updated_at=now)


def policy_document(policy: Policy) -> dict[str, Any]:
    """The policy's rules in the wire shape (what is stored and returned, ids added)."""
    rules: list[dict[str, Any]] = []
    for r in policy.rules:
        item: dict[str, Any] = {"id": r.id, "category": r.category, "permission": r.permission}
        if r.category == "navigation":
            item["urlPattern"] = r.url_pattern
        else:
            item.update(scope=r.scope, matchType=r.match_type, match=r.match)
        rules.append(item)
    return {
        "name": policy.name, "description": policy.description, "status": policy.status,
        "llmRole": policy.llm_role,
        "domainRules": {"mode": policy.domain_mode,
                        "entries": [{"id": e.id, "pattern": e.pattern, "action": e.action} for e in policy.domains]},
        "actionRules": rules,
        "defaultAction": policy.default_action,
    }


def _text(doc: dict[str, Any], key: str, limit: int) -> str:
    value = doc.get(key) or ""
    if not isinstance(value, str):
        raise PolicyInvalid(f"{key} must be a string")
    if len(value) > limit:
        raise PolicyInvalid(f"{key} is {len(value)} characters long; at most {limit} are allowed")
    return value


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise PolicyInvalid(f"{key} must be a list")
    return value


def _domain_rules(raw: Any) -> tuple[str, list[DomainEntry]]:
    if raw is None:
        return "allow_all", []
    if not isinstance(raw, dict):
        raise PolicyInvalid("domainRules must be an object {mode, entries}")
    mode = str(raw.get("mode", "allow_all")).strip().lower().replace(" ", "_").replace("-", "_")
    if mode not in DOMAIN_MODES:
        raise PolicyInvalid(f"domainRules.mode must be one of {', '.join(DOMAIN_MODES)}")
    entries = []
    for i, item in enumerate(_list(raw, "entries")):
        where = f"domainRules.entries[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
            raise PolicyInvalid(f"{where} must be an object with a pattern")
        entry_id = _rule_id(item, f"domain-{i + 1}", where)
        where = f"{where} (id {entry_id!r})"
        if problem := pattern_problem(item["pattern"]):
            raise PolicyInvalid(f"{where}: pattern {item['pattern']!r} {problem}")
        action = item.get("action", "allow" if mode == "allowlist" else "block")
        allowed = ("allow", "block", "guardrail") if mode == "allowlist" else ("block", "guardrail")
        if action not in allowed:
            raise PolicyInvalid(f"{where}: action must be one of {', '.join(allowed)}")
        entries.append(DomainEntry(entry_id, item["pattern"].strip().lower(), action))
    return mode, entries


def _rule_id(item: dict[str, Any], fallback: str, where: str) -> str:
    value = item.get("id", fallback)
    if not isinstance(value, str) or not regex.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", value):
        raise PolicyInvalid(f"{where}: id must be 1 to 64 letters, digits or _ . : -")
    return value


def _action_rule(i: int, item: Any) -> ActionRule:
    where = f"actionRules[{i}]"
    if not isinstance(item, dict):
        raise PolicyInvalid(f"{where} must be an object")
    rule_id = _rule_id(item, f"rule-{i + 1}", where)
    where = f"{where} (id {rule_id!r})"
    category = category_id(str(item.get("category", "")))
    if category is None:
        raise PolicyInvalid(f"{where}: unknown category {item.get('category')!r}; one of {', '.join(CATEGORIES)}")
    permission = str(item.get("permission", item.get("action", ""))).lower()
    if permission not in RANK:
        raise PolicyInvalid(f"{where}: permission must be 'allow', 'block' or 'guardrail'")
    if category == "navigation":
        pattern = item.get("urlPattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise PolicyInvalid(f"{where}: a navigation rule needs a urlPattern (a glob over the URL, e.g. */admin/*)")
        if len(pattern) > 2048:
            raise PolicyInvalid(f"{where}: urlPattern is too long")
        return ActionRule(rule_id, category, permission, url_pattern=pattern.strip())  # type: ignore[arg-type]
    scope = str(item.get("scope", "all")).lower()
    if scope not in SCOPES:
        raise PolicyInvalid(f"{where}: scope must be one of All, Target, Page")
    match_type = str(item.get("matchType", "keyword")).lower()
    if match_type not in MATCH_TYPES:
        raise PolicyInvalid(f"{where}: matchType must be one of Keyword, Regex, Detector")
    match = item.get("match")
    if not isinstance(match, str) or not match:
        raise PolicyInvalid(f"{where}: match is required (the keyword, regex or detector name)")
    if len(match) > 2000:
        raise PolicyInvalid(f"{where}: match is longer than 2000 characters")
    compiled = None
    if match_type == "regex":
        try:
            compiled = regex.compile(match)
        except regex.error as exc:
            raise PolicyInvalid(f"{where}: invalid regex {match!r}: {exc}") from None
    elif match_type == "detector" and match not in DETECTORS:
        raise PolicyInvalid(f"{where}: unknown detector {match!r}; one of {', '.join(DETECTORS)}")
    return ActionRule(rule_id, category, permission, scope=scope, match_type=match_type,  # type: ignore[arg-type]
                      match=match, compiled=compiled)


@dataclass
class AuditEntry:
    """One decision on one attempted action, as the audit trail keeps it (never changed)."""

    id: str
    policy_id: str
    account_id: str
    session_id: str
    task_id: str
    category: str
    action: str
    decision: Permission
    rule_id: str | None = None
    human_response: str | None = None  # approved, rejected (guardrail decisions)
    layer: str = "agent"  # agent: checked before the action; network: a request refused by the proxy lane
    at: datetime = field(default_factory=utcnow)
