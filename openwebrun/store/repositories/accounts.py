"""Accounts: who owns keys, sessions and tasks."""
from __future__ import annotations

from sqlalchemy import func, select, update

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, utcnow
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import AccountRow


def account_from_row(row: AccountRow) -> Account:
    return Account(id=row.id, name=row.name, active=row.active, is_admin=row.is_admin, created_at=row.created_at)


class AccountRepository(Repository):
    async def create(self, name: str, is_admin: bool = False) -> Account:
        account = Account(id=new_id(), name=name, active=True, is_admin=is_admin, created_at=utcnow())
        async with self._transaction() as s:
            s.add(AccountRow(id=account.id, name=account.name, active=account.active,
                             is_admin=account.is_admin, created_at=account.created_at))
        return account

    async def get(self, account_id: str) -> Account | None:
        async with self._transaction() as s:
            row = await s.get(AccountRow, account_id)
            return account_from_row(row) if row else None

    async def list(self) -> list[Account]:
        """All accounts, oldest first."""
        async with self._transaction() as s:
            rows = await s.scalars(select(AccountRow).order_by(AccountRow.created_at, AccountRow.id))
            return [account_from_row(r) for r in rows]

    async def set_active(self, account_id: str, active: bool) -> bool:
        """False when there is no such account."""
        async with self._transaction() as s:
            result = await s.execute(update(AccountRow).where(AccountRow.id == account_id).values(active=active))
            return rows_changed(result) > 0

    async def count(self) -> int:
        async with self._transaction() as s:
            return await s.scalar(select(func.count()).select_from(AccountRow)) or 0
