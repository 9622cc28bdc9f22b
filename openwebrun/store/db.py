"""The database handle: one AsyncEngine and its session factory.

SQLite (aiosqlite) is the default; PostgreSQL works through ``postgresql+asyncpg://``.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
PG_COMMAND_TIMEOUT_S = 60


def _json_dumps(value: object) -> str:
    # Keep non-ASCII text readable in the database.
    return json.dumps(value, ensure_ascii=False)


class Database:
    def __init__(self, url: str | URL, *, echo: bool = False):
        self.url = make_url(url)
        if self.is_sqlite:
            self.engine = self._sqlite_engine(echo)
        elif self.url.get_backend_name() == "postgresql":
            self.engine = create_async_engine(
                self.url,
                echo=echo,
                json_serializer=_json_dumps,
                pool_pre_ping=True,
                pool_timeout=PG_CONNECT_TIMEOUT_S,
                connect_args={"timeout": PG_CONNECT_TIMEOUT_S, "command_timeout": PG_COMMAND_TIMEOUT_S},
            )
        else:
            raise ValueError(f"unsupported database URL {self.url.render_as_string(hide_password=True)!r}: "
                             "use sqlite+aiosqlite:/// or postgresql+asyncpg://")
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_memory(self) -> bool:
        return self.is_sqlite and self.url.database in (None, "", ":memory:")

    def _sqlite_engine(self, echo: bool) -> AsyncEngine:
        kwargs: dict = {"echo": echo, "json_serializer": _json_dumps,
                        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        if self.is_memory:
            # One shared connection, or every connection would see its own empty database.
            kwargs["poolclass"] = StaticPool
        else:
            Path(self.url.database or "").expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(self.url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
