"""Cluster mode: the session host that holds each live session, for every API process to find."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import SessionHostRow


class SessionHostRepository(Repository):
    async def place(self, session_id: str, host: str) -> None:
        async with self._transaction() as s:
            await s.merge(SessionHostRow(session_id=session_id, host=host))

    async def host_of(self, session_id: str) -> str | None:
        async with self._transaction() as s:
            return await s.scalar(select(SessionHostRow.host).where(SessionHostRow.session_id == session_id))

    async def forget(self, session_id: str) -> bool:
        """False if no host was known for it (already forgotten, e.g. by another API process)."""
        async with self._transaction() as s:
            result = await s.execute(delete(SessionHostRow).where(SessionHostRow.session_id == session_id))
            return rows_changed(result) > 0

    async def count(self) -> int:
        async with self._transaction() as s:
            return int(await s.scalar(select(func.count()).select_from(SessionHostRow)) or 0)

    async def every(self) -> dict[str, str]:
        """Session id -> host, for every live session of the cluster."""
        async with self._transaction() as s:
            return {r.session_id: r.host for r in await s.scalars(select(SessionHostRow))}
