"""Proxies: a session's `proxy` field turned into the upstream its browser goes out through.

`source: "custom"` names the proxy itself; `source: "WebRun"` takes one of the operator's pool
(OPENWEBRUN_PROXY_POOL, a file of `COUNTRY URL` lines) for a country, or any for "random".
"""
from __future__ import annotations

from pathlib import Path

from openwebrun.domain.errors import Refused
from openwebrun.domain.proxies import ProxyChoice, ProxyLevel, Upstream, parse_pool, pick


class ProxyService:
    def __init__(self, pool: list[Upstream]):
        self.pool = pool

    @classmethod
    def from_file(cls, path: Path | None) -> ProxyService:
        """The operator's pool (empty without a file); PoolFileError for a line that cannot be read."""
        return cls(parse_pool(path.read_text()) if path is not None else [])

    def custom(self, kind: str, host: str, port: int, username: str | None, password: str | None,
               level: ProxyLevel) -> ProxyChoice:
        return ProxyChoice(Upstream("http" if kind == "http" else "socks", host, port, username, password), level)

    def from_pool(self, country: str, level: ProxyLevel) -> ProxyChoice:
        chosen = pick(self.pool, country)
        if chosen is None:
            where = "any country" if country.strip().lower() == "random" else f"country {country.upper()!r}"
            raise Refused("PROXY_ERROR", f"proxy.country: this server's proxy pool has no proxy for {where} "
                                         "(the operator sets the pool with OPENWEBRUN_PROXY_POOL).")
        return ProxyChoice(chosen, level)
