"""Accounts and session records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Session, SessionStatus


def _aware_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


async def test_account_create_get_count(store):
    assert await store.accounts.count() == 0
    admin = await store.accounts.create("admin", is_admin=True)
    user = await store.accounts.create("Zoë 用户")
    assert await store.accounts.count() == 2

    got = await store.accounts.get(user.id)
    assert got == user
    assert got.name == "Zoë 用户" and got.active and not got.is_admin
    assert (await store.accounts.get(admin.id)).is_admin
    assert _aware_utc(got.created_at)
    assert [a.id for a in await store.accounts.list()] == [admin.id, user.id]
    assert await store.accounts.get(new_id()) is None


async def test_account_set_active(store, account):
    assert await store.accounts.set_active(account.id, False)
    assert (await store.accounts.get(account.id)).active is False
    assert await store.accounts.set_active(account.id, True)
    assert (await store.accounts.get(account.id)).active is True
    assert not await store.accounts.set_active(new_id(), False)


async def test_session_round_trip_and_end(store, account):
    created = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    s = Session(id=new_id(), account_id=account.id, expires_in_ms=90_000, created_at=created)
    await store.sessions.add(s)

    got = await store.sessions.get(s.id)
    assert got.status is SessionStatus.ACTIVE and got.expires_in_ms == 90_000
    assert got.created_at == created and _aware_utc(got.created_at)  # same instant, returned in UTC
    assert [x.id for x in await store.sessions.list_active()] == [s.id]

    assert await store.sessions.end(s.id, "terminated by user")
    assert not await store.sessions.end(s.id, "again")  # already ended: first reason kept
    ended = await store.sessions.get(s.id)
    assert ended.status is SessionStatus.ENDED and ended.end_reason == "terminated by user"
    assert _aware_utc(ended.ended_at) and ended.ended_at >= ended.created_at
    assert await store.sessions.list_active() == []
    assert await store.sessions.get(new_id()) is None
    assert not await store.sessions.end(new_id(), "unknown")


async def test_list_active_per_account_and_end_all(store, account):
    other = await store.accounts.create("other")
    mine = [Session(id=new_id(), account_id=account.id) for _ in range(2)]
    theirs = Session(id=new_id(), account_id=other.id)
    for s in [*mine, theirs]:
        await store.sessions.add(s)

    assert {s.id for s in await store.sessions.list_active(account.id)} == {s.id for s in mine}
    assert len(await store.sessions.list_active()) == 3
    assert await store.sessions.end_all_active("server restarted") == 3
    assert await store.sessions.list_active() == []
    assert (await store.sessions.get(theirs.id)).end_reason == "server restarted"


async def test_balance_charge_and_credit(store):
    limited = await store.accounts.create("team", balance=1.5, session_limit=2)
    unlimited = await store.accounts.create("admin", is_admin=True)
    assert (await store.accounts.get(limited.id)).balance == 1.5
    assert (await store.accounts.get(limited.id)).session_limit == 2
    assert await store.accounts.charge(limited.id, 600_000) == 0.9
    assert await store.accounts.charge(limited.id, 1_000_000) == -0.1  # a last step may overdraw
    assert await store.accounts.credit(limited.id, 2.0) == 1.9
    assert await store.accounts.charge(unlimited.id, 5_000_000) is None
    assert await store.accounts.credit(unlimited.id, 1.0) is None
    assert (await store.accounts.get(unlimited.id)).balance is None


async def test_usage_adds_up_per_account_and_day(store):
    from openwebrun.domain.models import DailyUsage

    account = await store.accounts.create("team", balance=10)
    for _ in range(3):
        await store.usage.add(DailyUsage(account.id, "2026-12-01", tasks=1, input_tokens=100, output_tokens=10,
                                         compute_seconds=1.5, proxied_bytes=1000, cost=0.25))
    await store.usage.add(DailyUsage(account.id, "2026-12-02", tasks=1, cost=0.5))
    days = await store.usage.list(account.id)
    assert [(d.day, d.tasks, d.input_tokens, d.output_tokens, d.proxied_bytes, d.cost) for d in days] == [
        ("2026-12-01", 3, 300, 30, 3000, 0.75), ("2026-12-02", 1, 0, 0, 0, 0.5)]
    assert days[0].compute_seconds == 4.5
    assert [d.day for d in await store.usage.list(account.id, since="2026-12-02")] == ["2026-12-02"]
