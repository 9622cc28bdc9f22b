"""Webhooks: a hub subscriber puts each event of a task with a webhook into the outbox (a table);
a delivery worker sends what is due, signed, and schedules retries with backoff.

Delivery is at least once: a row is claimed (status `sending`, attempts + 1) before each attempt, and
rows a stopped server left claimed are due again at the next start. Receivers de-duplicate by the
`X-Webrun-Delivery` id.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from openwebrun.domain.errors import Refused
from openwebrun.domain.events import Event, HumanInputNeeded, TaskFinished
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, Task, TaskStatus, utcnow
from openwebrun.domain.reach import host_and_port
from openwebrun.domain.webhooks import DeliveryStatus, WebhookDelivery, retry_delay_s, signature
from openwebrun.runtime.door import Runtime
from openwebrun.runtime.events import EventHub
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.webhook_payloads import FullBody, event_of, payload
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)
BATCH = 50
MAX_ERROR_CHARS = 300


class AddressCheck(Protocol):
    """What a webhook URL may reach (browser/reach.Reach with the webhook setting)."""

    async def addresses(self, host: str) -> list[str]:
        """Allowed addresses of `host`; raises OSError / TimeoutError (no answer) or another error (refused)."""
        ...

    async def url_refusal(self, url: str) -> str | None: ...


@dataclass
class WebhookPolicy:
    attempts: int = 6
    retry_base_s: float = 20.0
    timeout_s: float = 10.0
    concurrency: int = 10


def _pinned(url: str, address: str) -> tuple[str, str, str]:
    """The URL aimed at `address` (the one checked), its Host header, and the TLS name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip = f"[{address}]" if ":" in address else address
    netloc = ip if parts.port is None else f"{ip}:{parts.port}"
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


class WebhookService:
    def __init__(self, store: Store, hub: EventHub, runtime: Runtime, recorder: StoreRecorder,
                 reach: AddressCheck, full_body: FullBody, policy: WebhookPolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.store = store
        self.runtime = runtime
        self.recorder = recorder
        self.reach = reach
        self.full_body = full_body
        self.policy = policy or WebhookPolicy()
        self._subscription = hub.subscribe(maxsize=None)
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=self.policy.timeout_s, follow_redirects=False, transport=transport)
        self._jobs: list[asyncio.Task] = []
        self._sending: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._writes = asyncio.Lock()  # one outbox write at a time: SQLite writers would wait on each other
        # told after each attempt is recorded, with the delivery's new status (measurements, tests)
        self.on_attempt: Callable[[WebhookDelivery, DeliveryStatus], None] | None = None

    # --- submit -----------------------------------------------------------------------------------
    async def url_refusal(self, url: str) -> str | None:
        """Why deliveries may not go to `url` (scheme, or an address its host resolves to), or None.

        A name that does not resolve now is not refused: its deliveries fail and are retried."""
        try:
            return await self.reach.url_refusal(url)
        except ValueError as exc:  # a host name that cannot be looked up
            return f"the host cannot be resolved: {exc}"

    async def check(self, webhook: dict | None) -> None:
        if not webhook:
            return
        problem = await self.url_refusal(webhook["url"])
        if problem:
            raise Refused("URL_NOT_ALLOWED", f"webhook.url is not allowed: {problem}")

    async def secret(self, account_id: str, *, rotate: bool = False) -> str | None:
        return await self.store.webhooks.secret(account_id, rotate=rotate)

    async def deliveries(self, account: Account, session_id: str, task_id: str) -> list[WebhookDelivery]:
        """The deliveries of the caller's own task (TASK_NOT_FOUND otherwise)."""
        task = await self.store.tasks.get(task_id)
        if task is None or task.session_id != session_id or task.account_id != account.id:
            raise Refused("TASK_NOT_FOUND", "Task not found.")
        await self.recorder.caught_up()
        return await self.store.webhooks.for_task(task_id)

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        released = await self.store.webhooks.release_claims()
        if released:
            log.info("%d webhook deliveries were interrupted by the last stop: due again", released)
        self._jobs = [asyncio.create_task(self._enqueue_events(), name="webhook-outbox"),
                      asyncio.create_task(self._deliver_due(), name="webhook-delivery")]

    async def close(self) -> None:
        """Enqueue what the hub already holds, let attempts under way finish (bounded), then stop."""
        self._subscription.close()
        if self._jobs:
            outbox, worker = self._jobs
            await asyncio.gather(outbox, return_exceptions=True)
            worker.cancel()
        if self._sending:
            await asyncio.wait(self._sending, timeout=self.policy.timeout_s)
        for sending in list(self._sending):
            sending.cancel()
        await asyncio.gather(*self._jobs, *self._sending, return_exceptions=True)
        await self._client.aclose()

    # --- the outbox -------------------------------------------------------------------------------
    async def _enqueue_events(self) -> None:
        async for event in self._subscription:
            try:
                await self.enqueue(event)
            except Exception:
                log.exception("could not queue the webhook of task %s", event.task_id)

    async def enqueue(self, event: Event) -> None:
        task: Task | None = None
        match event:
            case TaskFinished():
                task = event.task
                if task.spec.webhook and task.status is TaskStatus.COMPLETED:
                    await self.recorder.caught_up(event.seq)  # downloads kept: files carry their ids
                    task = await self.store.tasks.get(task.id) or task
                    task.spec = event.task.spec
            case HumanInputNeeded():
                live = await self.runtime.task(event.task_id or "")
                if live is not None:
                    task = dataclasses.replace(live, status=TaskStatus.GUARDRAIL, guardrail=event.question,
                                               guardrail_reason=event.reason or None)
        if task is None or not task.spec.webhook:
            return
        hook = task.spec.webhook
        kind = hook.get("submittedData") or "ai_response"
        delivery = WebhookDelivery(
            id=new_id(), task_id=task.id, session_id=task.session_id, account_id=task.account_id,
            event=event_of(task), name=hook.get("name") or "", url=hook["url"], kind=kind,
            payload=payload(kind, task, event.at, self.full_body), auth=hook.get("auth"))
        await self.store.webhooks.add(delivery)
        self._wake.set()

    # --- the delivery worker ----------------------------------------------------------------------
    async def _deliver_due(self) -> None:
        while True:
            self._wake.clear()
            now = utcnow()
            for delivery_id in await self.store.webhooks.due(now, BATCH):
                await self._slots.acquire()
                async with self._writes:
                    claimed = await self.store.webhooks.claim(delivery_id, now)
                if claimed is None:
                    self._slots.release()
                    continue
                delivery, secret = claimed
                job = asyncio.create_task(self._attempt(delivery, secret), name=f"webhook-{delivery.id}")
                self._sending.add(job)
                job.add_done_callback(self._sending.discard)
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        """Until a new row is queued, an attempt ends, or the earliest pending row is due."""
        next_at = await self.store.webhooks.next_due()
        timeout = None if next_at is None else max((next_at - utcnow()).total_seconds(), 0.0)
        if timeout == 0.0 and self._slots.locked():
            timeout = None  # due now but every slot is busy: an ending attempt wakes us
        if timeout == 0.0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _attempt(self, delivery: WebhookDelivery, secret: str) -> None:
        status = DeliveryStatus.PENDING
        try:
            code, error = await self._send(delivery, secret)
            if code is not None and 200 <= code < 300:
                status = DeliveryStatus.DELIVERED
                await self._finish(delivery.id, status, status_code=code, error=None, next_at=None)
                return
            error = error or f"the receiver answered {code}"
            if delivery.attempts >= self.policy.attempts:
                log.warning("webhook %s of task %s failed after %d attempts: %s", delivery.id, delivery.task_id,
                            delivery.attempts, error)
                status = DeliveryStatus.FAILED
                await self._finish(delivery.id, status, status_code=code, error=error, next_at=None)
                return
            delay = retry_delay_s(delivery.attempts, self.policy.retry_base_s)
            await self._finish(delivery.id, status, status_code=code, error=error,
                               next_at=utcnow() + timedelta(seconds=delay))
        except Exception:
            log.exception("webhook delivery %s could not be recorded", delivery.id)
        finally:
            self._slots.release()
            self._wake.set()
            if self.on_attempt is not None:
                self.on_attempt(delivery, status)

    async def _finish(self, delivery_id: str, status: DeliveryStatus, **outcome: Any) -> None:
        async with self._writes:
            await self.store.webhooks.finish_attempt(delivery_id, status, **outcome)

    async def _send(self, delivery: WebhookDelivery, secret: str) -> tuple[int | None, str | None]:
        """One POST; the status code, or None and why it could not be made."""
        host, _port = host_and_port(delivery.url)
        try:
            addresses = await self.reach.addresses(host)  # again now: the name may point elsewhere today
        except (OSError, TimeoutError) as exc:
            return None, f"{host} does not resolve ({type(exc).__name__})"
        except Exception as exc:
            return None, f"refused: {exc}"[:MAX_ERROR_CHARS]
        url, host_header, tls_name = _pinned(delivery.url, addresses[0])
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Host": host_header, "User-Agent": "openwebrun-webhooks",
                   "X-Webrun-Event": delivery.event.value, "X-Webrun-Delivery": delivery.id,
                   "X-Webrun-Timestamp": stamp, "X-Webrun-Signature": signature(secret, stamp, delivery.payload)}
        if delivery.auth:
            headers["Authorization"] = delivery.auth
        try:
            response = await self._client.post(url, content=delivery.payload, headers=headers,
                                               extensions={"sni_hostname": tls_name})
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        return response.status_code, None

