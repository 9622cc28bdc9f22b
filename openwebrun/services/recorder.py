"""The store recorder: a hub subscriber that writes what happens in sessions to the database.

It sees every event (its queue is unbounded), in order. Others can wait until it has caught up
with an event, so that what a request reads from the store is never behind what it was told.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from openwebrun.domain.events import (
    Event,
    HumanAnswered,
    HumanInputNeeded,
    PolicyDecided,
    SessionClosed,
    StepRecorded,
    TaskFinished,
    TaskStarted,
)
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import TaskStatus, utcnow
from openwebrun.domain.policies import AuditEntry
from openwebrun.runtime.events import EventHub
from openwebrun.services.files import FileService
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)
CATCH_UP_S = 10.0


class StoreRecorder:
    def __init__(self, store: Store, files: FileService, hub: EventHub):
        self.store = store
        self.files = files
        self.hub = hub
        self.recorded_seq = 0
        self._progress = asyncio.Condition()
        self._subscription = hub.subscribe(maxsize=None)
        self._job: asyncio.Task | None = None

    def start(self) -> None:
        self._job = asyncio.create_task(self._run(), name="store-recorder")

    async def close(self) -> None:
        """Record what is queued, then stop."""
        await self.caught_up(self.hub.last_seq)
        self._subscription.close()
        if self._job is not None:
            await asyncio.gather(self._job, return_exceptions=True)

    async def caught_up(self, seq: int | None = None, timeout: float = CATCH_UP_S) -> None:
        """Until every event up to `seq` (default: all published so far) has been recorded."""
        target = self.hub.last_seq if seq is None else seq
        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(lambda: self.recorded_seq >= target), timeout)
            except TimeoutError:
                log.warning("the store recorder is %d events behind", target - self.recorded_seq)

    async def _run(self) -> None:
        async for event in self._subscription:
            try:
                await self.record(event)
            except Exception:
                log.exception("could not record %s of session %s", event.kind, event.session_id)
            async with self._progress:
                self.recorded_seq = max(self.recorded_seq, event.seq)
                self._progress.notify_all()

    async def record(self, event: Event) -> None:
        match event:
            case StepRecorded():
                await self.store.steps.add(event.step)
            case TaskStarted():
                await self.store.tasks.set_status(event.task_id, TaskStatus.RUNNING)
            case HumanInputNeeded():
                await self.store.tasks.set_status(event.task_id, TaskStatus.GUARDRAIL, event.question)
            case PolicyDecided():
                await self.store.policies.audit(AuditEntry(
                    id=new_id(), policy_id=event.policy_id, account_id=event.account_id, session_id=event.session_id,
                    task_id=event.task_id, category=event.category, action=event.action,
                    decision=event.decision,  # type: ignore[arg-type]
                    rule_id=event.rule_id, human_response=event.human_response, layer=event.layer,
                    at=datetime.fromtimestamp(event.at, UTC) if event.at else utcnow()))
            case HumanAnswered():
                await self.store.tasks.set_status(event.task_id, TaskStatus.RUNNING)
            case TaskFinished():
                try:
                    await self.files.keep_downloads(event.task)
                finally:
                    await self.store.tasks.save(event.task)
            case SessionClosed():
                try:
                    await self.store.sessions.end(event.session_id, event.reason)
                finally:
                    await self.files.release_session(event.session_id)
