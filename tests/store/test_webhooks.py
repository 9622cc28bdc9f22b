"""The webhook outbox on SQLite and PostgreSQL: claims, restarts, secrets; and the delivery worker's
address check at send time (a URL allowed at submit may point somewhere refused later)."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

import pytest

from openwebrun.browser.reach import Reach
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Task, TaskSpec, utcnow
from openwebrun.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookEvent
from openwebrun.runtime.events import EventHub
from openwebrun.services.webhooks import WebhookPolicy, WebhookService
from tests.support.webhook_receiver import webhook_receiver


@pytest.fixture
async def task(store, account, session) -> Task:
    t = Task(id=new_id(), session_id=session.id, account_id=account.id, spec=TaskSpec("hooked"))
    await store.tasks.add(t)
    return t


def delivery(task: Task, url: str = "http://127.0.0.1:9/hook") -> WebhookDelivery:
    return WebhookDelivery(id=new_id(), task_id=task.id, session_id=task.session_id, account_id=task.account_id,
                           event=WebhookEvent.COMPLETED, name="n", url=url, kind="just_ping",
                           payload=b'{"event":"task_completed"}', auth="Bearer t")


async def test_a_due_delivery_is_claimed_once_and_released_after_a_stop(store, task):
    d = delivery(task)
    await store.webhooks.add(d)
    now = utcnow()
    assert await store.webhooks.due(now, 10) == [d.id]
    claimed = await store.webhooks.claim(d.id, now)
    assert claimed is not None and claimed[0].attempts == 1 and claimed[0].auth == "Bearer t"
    assert claimed[1].startswith("whsec_")
    assert await store.webhooks.claim(d.id, now) is None  # a second claim loses
    assert await store.webhooks.due(now, 10) == []
    assert await store.webhooks.release_claims() == 1  # what a server start does
    again = await store.webhooks.claim(d.id, utcnow())
    assert again is not None and again[0].attempts == 2 and again[1] == claimed[1]
    later = utcnow() + timedelta(seconds=60)
    await store.webhooks.finish_attempt(d.id, DeliveryStatus.PENDING, status_code=503, error="503", next_at=later)
    assert await store.webhooks.due(utcnow(), 10) == []
    assert abs((await store.webhooks.next_due() - later).total_seconds()) < 0.01
    [shown] = await store.webhooks.for_task(task.id)
    assert shown.status is DeliveryStatus.PENDING and shown.last_status_code == 503 and shown.attempts == 2


async def test_the_account_secret_is_made_once_and_rotated_on_request(store, account):
    first = await store.webhooks.secret(account.id)
    assert first and first == await store.webhooks.secret(account.id)
    rotated = await store.webhooks.secret(account.id, rotate=True)
    assert rotated != first and rotated == await store.webhooks.secret(account.id)
    assert await store.webhooks.secret("no-such-account") is None


async def _run_worker(store, allow_private: bool, task: Task) -> tuple[list, WebhookDelivery]:
    with webhook_receiver() as receiver:
        d = delivery(task, f"{receiver.url}/hook")
        await store.webhooks.add(d)
        attempted = asyncio.Event()
        service = WebhookService(store, EventHub(), runtime=cast(Any, None), recorder=cast(Any, None),
                                 reach=Reach(allow_private=allow_private), full_body=lambda _t: {},
                                 policy=WebhookPolicy(attempts=2, retry_base_s=30))
        service.on_attempt = lambda _d, _status: attempted.set()
        await service.start()
        try:
            await asyncio.wait_for(attempted.wait(), 30)
        finally:
            await service.close()
        [row] = await store.webhooks.for_task(task.id)
        return list(receiver.records), row


async def test_the_address_is_checked_again_when_sending(store, task):
    records, row = await _run_worker(store, allow_private=False, task=task)
    assert records == []  # never reached
    assert row.status is DeliveryStatus.PENDING and row.attempts == 1 and row.last_status_code is None
    assert "refused" in (row.last_error or "")


async def test_an_allowed_delivery_is_sent_signed_and_recorded(store, task, account):
    records, row = await _run_worker(store, allow_private=True, task=task)
    [got] = records
    assert got.headers["authorization"] == "Bearer t" and got.headers["x-webrun-delivery"] == row.id
    assert got.verifies(await store.webhooks.secret(account.id))
    assert row.status is DeliveryStatus.DELIVERED and row.attempts == 1 and row.last_status_code == 200
