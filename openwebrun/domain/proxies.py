"""Upstream proxies: what a session's traffic goes through, and the operator's pool. No I/O.

A session names its proxy itself (`source: "custom"`) or asks for one of the operator's pool by
country (`source: "WebRun"`). The password is a secret: it is left out of every repr, log line,
stored record and response.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

ProxyType = Literal["http", "socks"]
ProxyLevel = Literal["chrome", "system"]
SCHEMES: dict[str, ProxyType] = {"http": "http", "socks5": "socks", "socks5h": "socks", "socks": "socks"}


@dataclass(frozen=True)
class Upstream:
    """One proxy server the browser's connections go out through."""

    type: ProxyType
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    country: str | None = None  # pool proxies: ISO 3166-1 alpha-2, upper case
    trusted: bool = False  # the operator's pool: its address is not held to the reach rules

    @property
    def address(self) -> str:
        return f"{self.type} proxy {self.host}:{self.port}"

    def public_dict(self) -> dict[str, object]:
        """What may be shown or stored: never the password."""
        return {"type": self.type, "host": self.host, "port": self.port, "username": self.username,
                "country": self.country}


@dataclass(frozen=True)
class ProxyChoice:
    """A session's proxy and how it is applied: per context (chrome) or a process of its own (system)."""

    upstream: Upstream
    level: ProxyLevel = "chrome"


class PoolFileError(ValueError):
    """A line of the proxy pool file that cannot be read; the message names the line."""


def parse_pool(text: str) -> list[Upstream]:
    """The proxies of a pool file: one per line, `COUNTRY URL` (URL: http:// or socks5://, with
    optional user:password@); blank lines and lines starting with # are skipped."""
    found: list[Upstream] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise PoolFileError(f"line {number}: expected 'COUNTRY URL', e.g. 'US socks5://user:pass@10.0.0.5:1080'")
        country, url = parts
        if len(country) != 2 or not country.isalpha():
            raise PoolFileError(f"line {number}: {country!r} is not a two-letter country code")
        try:
            found.append(upstream_from_url(url, country=country.upper(), trusted=True))
        except ValueError as exc:
            raise PoolFileError(f"line {number}: {exc}") from None
    return found


def upstream_from_url(url: str, *, country: str | None = None, trusted: bool = False) -> Upstream:
    parts = urlsplit(url)
    kind = SCHEMES.get(parts.scheme.lower())
    if kind is None:
        raise ValueError(f"the scheme must be one of {', '.join(SCHEMES)}:// (the URL's credentials are not shown)")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise ValueError("the proxy URL needs a host and a port")
    return Upstream(kind, parts.hostname, port, unquote(parts.username) if parts.username else None,
                    unquote(parts.password) if parts.password is not None else None, country, trusted)


def pick(pool: list[Upstream], country: str, chooser: random.Random | None = None) -> Upstream | None:
    """A proxy of `country` (any for "random"), chosen at random among those that fit; None when none does."""
    wanted = country.strip().upper()
    fitting = pool if wanted == "RANDOM" else [p for p in pool if p.country == wanted]
    if not fitting:
        return None
    return (chooser or random.SystemRandom()).choice(fitting)
