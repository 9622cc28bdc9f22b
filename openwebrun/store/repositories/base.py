"""What every repository shares: the database and one short transaction per call."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession

from openwebrun.store.db import Database


class Repository:
    def __init__(self, db: Database):
        self._db = db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """Commits on success, rolls back on error."""
        async with self._db.sessionmaker.begin() as session:
            yield session


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (its CursorResult's rowcount)."""
    return cast(CursorResult[Any], result).rowcount
