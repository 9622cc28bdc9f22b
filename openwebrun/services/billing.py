"""Billing: tasks are charged to their account as they run, and what is used is kept per day.

A hub subscriber that sees every event in order. After each step it charges what the task has
cost since the last charge (tokens, compute time, proxied traffic: pricing.Rates); at the end it
charges the rest and counts the task in the day's usage. When a limited account's balance runs out
during a task, the task is stopped through the command door with BALANCE_EXHAUSTED.
New work is refused before it starts when the balance cannot cover it (INSUFFICIENT_BALANCE), and
an account may be held to a number of live sessions (SESSION_LIMIT_REACHED).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from openwebrun.domain import commands as cmd
from openwebrun.domain.errors import ErrorCode, Refused
from openwebrun.domain.events import Event, StepRecorded, TaskFinished
from openwebrun.domain.models import Account, DailyUsage, Task, Usage, utcnow
from openwebrun.runtime.door import Runtime
from openwebrun.runtime.events import EventHub, HubFollower
from openwebrun.store.repositories import Store
from openwebrun.store.repositories.accounts import to_micros

log = logging.getLogger(__name__)


@dataclass
class Charged:
    micros: int = 0
    usage: Usage = field(default_factory=Usage)
    stopping: bool = False


MIN_BALANCE = 0.01  # USD a limited account needs to start a task


def check_funds(account: Account) -> None:
    """INSUFFICIENT_BALANCE when the account has less than MIN_BALANCE left to pay a task with."""
    if account.balance is not None and account.balance < MIN_BALANCE:
        raise Refused("INSUFFICIENT_BALANCE", "Insufficient balance.",
                      details={"balance": round(account.balance, 6), "required": MIN_BALANCE})


async def check_session_limit(account: Account, runtime: Runtime) -> None:
    if account.session_limit is None:
        return
    current = sum(1 for s in await runtime.sessions() if s.account_id == account.id)
    if current >= account.session_limit:
        raise Refused("SESSION_LIMIT_REACHED",
                      f"This account may hold {account.session_limit} live sessions at once; it has {current}. "
                      "Terminate one first.", details={"current": current, "limit": account.session_limit})


class BillingService(HubFollower):
    job_name = "billing"

    def __init__(self, store: Store, runtime: Runtime, hub: EventHub):
        super().__init__(hub, maxsize=None)
        self.store = store
        self.runtime = runtime
        self._charged: dict[str, Charged] = {}

    async def handle(self, event: Event) -> None:
        if isinstance(event, StepRecorded):
            live = await self.runtime.task(event.task_id)
            if live is not None:
                await self._charge(live, final=False)
        elif isinstance(event, TaskFinished):
            await self._charge(event.task, final=True)

    async def _charge(self, task: Task, final: bool) -> None:
        before = self._charged.setdefault(task.id, Charged())
        usage = task.usage
        micros = to_micros(usage.cost)
        delta = micros - before.micros
        balance = await self.store.accounts.charge(task.account_id, delta) if delta > 0 else None
        day = DailyUsage(account_id=task.account_id, day=utcnow().date().isoformat(), tasks=int(final),
                         input_tokens=usage.input_tokens - before.usage.input_tokens,
                         output_tokens=usage.output_tokens - before.usage.output_tokens,
                         compute_seconds=round(usage.compute_time - before.usage.compute_time, 3),
                         proxied_bytes=usage.proxy_bytes - before.usage.proxy_bytes,
                         cost=max(delta, 0) / 1_000_000)
        await self.store.usage.add(day)
        before.micros = max(micros, before.micros)
        before.usage = Usage(usage.input_tokens, usage.output_tokens, usage.compute_time, usage.cost,
                             usage.token_cost, usage.proxy_bytes)
        if final:
            self._charged.pop(task.id, None)
        elif balance is not None and balance <= 0 and not before.stopping:
            before.stopping = True
            await self._stop(task, balance)

    async def _stop(self, task: Task, balance: float) -> None:
        message = (f"The account's balance ran out during the task (${balance:.4f} left): "
                   "add credit to go on.")
        try:
            await self.runtime.command(task.session_id, cmd.Stop(code=ErrorCode.BALANCE_EXHAUSTED.value,
                                                                 message=message))
        except Refused:
            pass  # it ended meanwhile
