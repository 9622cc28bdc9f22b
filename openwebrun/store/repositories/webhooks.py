"""The webhook outbox: deliveries waiting, claimed, and their outcome; account signing secrets."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update

from openwebrun.domain.models import utcnow
from openwebrun.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookEvent
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import AccountRow, WebhookDeliveryRow

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def delivery_from_row(row: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id, task_id=row.task_id, session_id=row.session_id, account_id=row.account_id,
        event=WebhookEvent(row.event), name=row.name, url=row.url, kind=row.kind, payload=row.payload,
        auth=row.auth, status=DeliveryStatus(row.status), attempts=row.attempts, next_at=row.next_at,
        last_status_code=row.last_status_code, last_error=row.last_error, created_at=row.created_at,
        delivered_at=row.delivered_at)


class WebhookRepository(Repository):
    async def add(self, d: WebhookDelivery) -> None:
        async with self._transaction() as s:
            s.add(WebhookDeliveryRow(
                id=d.id, task_id=d.task_id, session_id=d.session_id, account_id=d.account_id, event=d.event.value,
                name=d.name, url=d.url, auth=d.auth, kind=d.kind, payload=d.payload, status=d.status.value,
                attempts=d.attempts, next_at=d.next_at, last_status_code=d.last_status_code,
                last_error=d.last_error, created_at=d.created_at, delivered_at=d.delivered_at))

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of pending deliveries whose time has come, oldest due first."""
        async with self._transaction() as s:
            rows = await s.scalars(
                select(WebhookDeliveryRow.id)
                .where(WebhookDeliveryRow.status == DeliveryStatus.PENDING.value, WebhookDeliveryRow.next_at <= now)
                .order_by(WebhookDeliveryRow.next_at).limit(limit))
            return list(rows)

    async def claim(self, delivery_id: str, now: datetime) -> tuple[WebhookDelivery, str] | None:
        """Take a due delivery for one attempt (None when another claim won); counts the attempt.

        Returns it with its account's signing secret (made here on first use)."""
        async with self._transaction() as s:
            result = await s.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery_id,
                       WebhookDeliveryRow.status == DeliveryStatus.PENDING.value,
                       WebhookDeliveryRow.next_at <= now)
                .values(status=DeliveryStatus.SENDING.value, attempts=WebhookDeliveryRow.attempts + 1))
            if rows_changed(result) != 1:
                return None
            row = await s.get(WebhookDeliveryRow, delivery_id)
            account = await s.get(AccountRow, row.account_id) if row else None
            if row is None or account is None:
                return None
            if account.webhook_secret is None:
                account.webhook_secret = new_secret()
            return delivery_from_row(row), account.webhook_secret

    async def finish_attempt(self, delivery_id: str, status: DeliveryStatus, *, status_code: int | None,
                             error: str | None, next_at: datetime | None) -> None:
        values: dict = {"status": status.value, "last_status_code": status_code, "last_error": error,
                        "next_at": next_at}
        if status is DeliveryStatus.DELIVERED:
            values["delivered_at"] = utcnow()
        async with self._transaction() as s:
            await s.execute(update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery_id).values(**values))

    async def release_claims(self) -> int:
        """Deliveries claimed by a server that stopped mid-attempt become due again (at least once)."""
        async with self._transaction() as s:
            result = await s.execute(
                update(WebhookDeliveryRow).where(WebhookDeliveryRow.status == DeliveryStatus.SENDING.value)
                .values(status=DeliveryStatus.PENDING.value, next_at=utcnow()))
            return rows_changed(result)

    async def next_due(self) -> datetime | None:
        async with self._transaction() as s:
            return await s.scalar(select(func.min(WebhookDeliveryRow.next_at))
                                  .where(WebhookDeliveryRow.status == DeliveryStatus.PENDING.value))

    async def for_task(self, task_id: str) -> list[WebhookDelivery]:
        async with self._transaction() as s:
            rows = await s.scalars(select(WebhookDeliveryRow).where(WebhookDeliveryRow.task_id == task_id)
                                   .order_by(WebhookDeliveryRow.created_at, WebhookDeliveryRow.id))
            return [delivery_from_row(r) for r in rows]

    async def secret(self, account_id: str, *, rotate: bool = False) -> str | None:
        """The account's webhook signing secret, made on first use (or anew with `rotate`); None: no account."""
        async with self._transaction() as s:
            row = await s.get(AccountRow, account_id, with_for_update=True)
            if row is None:
                return None
            if row.webhook_secret is None or rotate:
                row.webhook_secret = new_secret()
            return row.webhook_secret
