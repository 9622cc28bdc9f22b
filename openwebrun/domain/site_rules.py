"""Per-task site rules: which secrets may be typed on which host, which domains are avoided. No I/O.

A secret's `match` is an exact host (`github.com`), a subdomain pattern (`*.example.com`: any
depth below it, not the apex) or `all`. For each field name the most specific matching entry
wins: an exact host, then the longest pattern, then `all`. An avoided domain covers itself and
every subdomain.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"<secret:([^<>\s]{1,100})>")


def normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def match_rank(pattern: str, host: str) -> int | None:
    """How specifically `pattern` matches `host` (higher wins); None when it does not match."""
    host, pattern = normal_host(host), pattern.strip().lower()
    if pattern == "all":
        return 0
    if pattern.startswith("*."):
        suffix = normal_host(pattern[1:])  # ".example.com"
        return len(suffix) if host.endswith(suffix) and len(host) > len(suffix) else None
    return 10_000 if host and host == normal_host(pattern) else None


def avoided(host: str, domains: Iterable[str]) -> str | None:
    """The avoided domain that covers `host`, or None."""
    host = normal_host(host)
    for domain in domains:
        d = normal_host(domain)
        if d and (host == d or host.endswith("." + d)):
            return d
    return None


def domain_problem(entry: object) -> str | None:
    """Why `entry` cannot be an avoidDomains entry (a bare domain), or None."""
    if not isinstance(entry, str):
        return "must be a string"
    value = entry.strip()
    if not value:
        return "must not be empty"
    if "://" in value or "/" in value or "?" in value or "#" in value:
        return "must be a domain name (like example.com), not a URL or a path"
    if any(c.isspace() for c in value) or "@" in value:
        return "must be a domain name (like example.com)"
    return None


@dataclass
class SecretBook:
    """The secrets a live session holds: pattern -> {field name: value}; later tasks add to it."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, entries: Iterable[tuple[str, Mapping[str, str]]]) -> None:
        for match, fields in entries:
            self.entries.setdefault(match.strip().lower(), {}).update(fields)

    def values(self) -> list[str]:
        return [v for fields in self.entries.values() for v in fields.values()]

    def names(self) -> dict[str, list[str]]:
        """Field names per pattern (what the model is told; never the values)."""
        return {match: sorted(fields) for match, fields in self.entries.items()}

    def lookup(self, name: str, host: str) -> tuple[str | None, list[str]]:
        """(value of field `name` for `host`, or None; the patterns that hold that field)."""
        best: tuple[int, str] | None = None
        holders = []
        for match, fields in self.entries.items():
            if name not in fields:
                continue
            holders.append(match)
            rank = match_rank(match, host)
            if rank is not None and (best is None or rank > best[0]):
                best = (rank, fields[name])
        return (best[1] if best else None), holders

    def clear(self) -> None:
        self.entries.clear()

    def substitute(self, text: str, host: str) -> tuple[str, str | None]:
        """`text` with each <secret:NAME> replaced by its value for `host`; (text, error) where
        the error (for the model, without values) says why a placeholder cannot be filled here."""
        problems: list[str] = []

        def fill(found: re.Match[str]) -> str:
            name = found.group(1)
            value, holders = self.lookup(name, host)
            if value is None:
                problems.append(f"the secret field {name!r} is not for {host or 'this page'}"
                                + (f" (it is for {', '.join(holders)})" if holders else " (no such secret field)"))
                return found.group(0)
            return value

        filled = PLACEHOLDER.sub(fill, text)
        return filled, ("; ".join(problems) if problems else None)
