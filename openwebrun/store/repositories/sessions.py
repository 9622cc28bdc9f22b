"""Browser sessions as records: who opened them, when they ended and why."""
from __future__ import annotations

from sqlalchemy import select, update

from openwebrun.domain.models import Session, SessionStatus, utcnow
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import SessionRow


def session_from_row(row: SessionRow) -> Session:
    return Session(id=row.id, account_id=row.account_id, status=SessionStatus(row.status),
                   expires_in_ms=row.expires_in_ms, created_at=row.created_at,
                   ended_at=row.ended_at, end_reason=row.end_reason)


class SessionRepository(Repository):
    async def add(self, session: Session) -> None:
        async with self._transaction() as s:
            s.add(SessionRow(id=session.id, account_id=session.account_id, status=session.status.value,
                             expires_in_ms=session.expires_in_ms, created_at=session.created_at,
                             ended_at=session.ended_at, end_reason=session.end_reason))

    async def get(self, session_id: str) -> Session | None:
        async with self._transaction() as s:
            row = await s.get(SessionRow, session_id)
            return session_from_row(row) if row else None

    async def end(self, session_id: str, reason: str) -> bool:
        """Mark an active session ended; False if it is unknown or already ended."""
        async with self._transaction() as s:
            result = await s.execute(
                update(SessionRow)
                .where(SessionRow.id == session_id, SessionRow.status == SessionStatus.ACTIVE.value)
                .values(status=SessionStatus.ENDED.value, ended_at=utcnow(), end_reason=reason))
            return rows_changed(result) > 0

    async def end_all_active(self, reason: str) -> int:
        """End every active session (after a restart no browser is left); returns how many."""
        async with self._transaction() as s:
            result = await s.execute(
                update(SessionRow)
                .where(SessionRow.status == SessionStatus.ACTIVE.value)
                .values(status=SessionStatus.ENDED.value, ended_at=utcnow(), end_reason=reason))
            return rows_changed(result)

    async def list_active(self, account_id: str | None = None) -> list[Session]:
        """Active sessions, oldest first; all accounts unless one is given."""
        query = (select(SessionRow).where(SessionRow.status == SessionStatus.ACTIVE.value)
                 .order_by(SessionRow.created_at, SessionRow.id))
        if account_id is not None:
            query = query.where(SessionRow.account_id == account_id)
        async with self._transaction() as s:
            return [session_from_row(r) for r in await s.scalars(query)]
