"""Usage per account and day: added to as tasks are charged, read by `openwebrun usage`."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from openwebrun.domain.models import DailyUsage
from openwebrun.store.repositories.accounts import MICROS, to_micros
from openwebrun.store.repositories.base import Repository
from openwebrun.store.tables import UsageDailyRow


class UsageRepository(Repository):
    async def add(self, usage: DailyUsage) -> None:
        """Add `usage` to the account's row for its day (made on first use), in one statement."""
        values = {"account_id": usage.account_id, "day": usage.day, "tasks": usage.tasks,
                  "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                  "compute_seconds": usage.compute_seconds, "proxied_bytes": usage.proxied_bytes,
                  "cost_micros": to_micros(usage.cost)}
        async with self._transaction() as s:
            dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
            insert = dialect.insert(UsageDailyRow).values(**values)
            table = UsageDailyRow.__table__.c
            sums = {name: table[name] + insert.excluded[name] for name in values if name not in ("account_id", "day")}
            await s.execute(insert.on_conflict_do_update(index_elements=["account_id", "day"], set_=sums))

    async def list(self, account_id: str | None = None, since: str | None = None) -> list[DailyUsage]:
        """Days of usage, oldest first; of one account and from `since` (YYYY-MM-DD) when given."""
        query = select(UsageDailyRow).order_by(UsageDailyRow.day, UsageDailyRow.account_id)
        if account_id:
            query = query.where(UsageDailyRow.account_id == account_id)
        if since:
            query = query.where(UsageDailyRow.day >= since)
        async with self._transaction() as s:
            return [DailyUsage(account_id=r.account_id, day=r.day, tasks=r.tasks, input_tokens=r.input_tokens,
                               output_tokens=r.output_tokens, compute_seconds=r.compute_seconds,
                               proxied_bytes=r.proxied_bytes, cost=r.cost_micros / MICROS)
                    for r in await s.scalars(query)]
