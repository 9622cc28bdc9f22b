"""Accounts: who owns keys, sessions and tasks."""
from __future__ import annotations

from sqlalchemy import func, select, update

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, utcnow
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import AccountRow

MICROS = 1_000_000


def to_micros(usd: float) -> int:
    return round(usd * MICROS)


def account_from_row(row: AccountRow) -> Account:
    return Account(id=row.id, name=row.name, active=row.active, is_admin=row.is_admin, created_at=row.created_at,
                   balance=None if row.balance_micros is None else row.balance_micros / MICROS,
                   session_limit=row.session_limit)


class AccountRepository(Repository):
    async def create(self, name: str, is_admin: bool = False, balance: float | None = None,
                     session_limit: int | None = None) -> Account:
        """A new account; `balance` None is unlimited."""
        account = Account(id=new_id(), name=name, active=True, is_admin=is_admin, created_at=utcnow(),
                          balance=balance, session_limit=session_limit)
        async with self._transaction() as s:
            s.add(AccountRow(id=account.id, name=account.name, active=account.active,
                             is_admin=account.is_admin, created_at=account.created_at,
                             balance_micros=None if balance is None else to_micros(balance),
                             session_limit=session_limit))
        return account

    async def credit(self, account_id: str, usd: float) -> float | None:
        """Add `usd` to a limited balance (negative: take it away); the new balance, None when unlimited.
        KeyError for an unknown account."""
        async with self._transaction() as s:
            row = await s.get(AccountRow, account_id)
            if row is None:
                raise KeyError(account_id)
            if row.balance_micros is None:
                return None
            result = await s.execute(update(AccountRow).where(AccountRow.id == account_id)
                                     .values(balance_micros=AccountRow.balance_micros + to_micros(usd))
                                     .returning(AccountRow.balance_micros))
            return (result.scalar_one() or 0) / MICROS

    async def charge(self, account_id: str, micros: int) -> float | None:
        """Take `micros` from the balance in one statement; the new balance, None when unlimited."""
        async with self._transaction() as s:
            result = await s.execute(update(AccountRow)
                                     .where(AccountRow.id == account_id, AccountRow.balance_micros.is_not(None))
                                     .values(balance_micros=AccountRow.balance_micros - micros)
                                     .returning(AccountRow.balance_micros))
            left = result.scalar_one_or_none()
            return None if left is None else left / MICROS

    async def set_limits(self, account_id: str, *, unlimited: bool = False, session_limit: int | None = None) -> bool:
        values: dict = {"session_limit": session_limit}
        if unlimited:
            values["balance_micros"] = None
        async with self._transaction() as s:
            result = await s.execute(update(AccountRow).where(AccountRow.id == account_id).values(**values))
            return rows_changed(result) > 0

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
