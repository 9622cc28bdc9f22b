"""Lost workers: every API process looks, every `interval_s`, at the hosts that hold sessions; when
one is gone (its Ray node dead, or its actor dead), its sessions end with reason `instance_lost` and
their unfinished tasks fail with BROWSER_CRASHED. Exactly one process handles each session: the one
whose DELETE removed it from the session -> host map (in the store). The endings are written to the store and
published on the cluster's channel, so sockets on every API process hear them.
"""
from __future__ import annotations

import asyncio
import logging
import pickle
import time
from typing import TYPE_CHECKING

import redis.asyncio as redis
from ray.exceptions import RayActorError

from openwebrun.cluster import names
from openwebrun.cluster.placement import release_slot
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.events import Event, SessionClosed, TaskFinished
from openwebrun.domain.models import TaskStatus, utcnow
from openwebrun.store.repositories import Store

if TYPE_CHECKING:
    from openwebrun.cluster.runtime import ClusterRuntime

log = logging.getLogger(__name__)
PING_TIMEOUT_S = 5.0
LOST_REASON = "instance_lost"
LOST_MESSAGE = "The machine that held the session's browser was lost."


class LostWorkers:
    def __init__(self, runtime: ClusterRuntime, store: Store, client: redis.Redis, interval_s: float):
        self.runtime = runtime
        self.store = store
        self.client = client
        self.interval_s = interval_s
        self._job: asyncio.Task | None = None

    def start(self) -> None:
        self._job = asyncio.create_task(self._run(), name="lost-workers")

    async def close(self) -> None:
        if self._job is not None:
            self._job.cancel()
            await asyncio.gather(self._job, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("looking for lost workers failed")
            await asyncio.sleep(self.interval_s)

    async def sweep(self) -> int:
        """End the sessions of hosts that are gone; returns how many this process ended."""
        by_host: dict[str, list[str]] = {}
        for session_id, host in (await self.store.session_hosts.every()).items():
            by_host.setdefault(host, []).append(session_id)
        if not by_host:
            return 0
        alive = {w["name"] for w in await self.runtime.workers()}
        ended = 0
        for host, sessions in by_host.items():
            if host in alive and await self._answers(host):
                continue
            log.warning("worker %s is gone: ending its %d sessions", host, len(sessions))
            for session_id in sessions:
                if await self.store.session_hosts.forget(session_id):
                    await self._end(session_id)
                    ended += 1
        return ended

    async def _answers(self, host: str) -> bool:
        try:
            handle = await self.runtime.host(host)
            await asyncio.wait_for(handle.ping.remote(), PING_TIMEOUT_S)
        except RayActorError:
            self.runtime.forget(host)
            return False
        except TimeoutError:
            return True  # busy or slow, not known dead: its node's liveness decides next time
        except Exception:  # HostLost: no actor of that name
            self.runtime.forget(host)
            return False
        return True

    async def _end(self, session_id: str) -> None:
        events: list[Event] = []
        for task in await self.store.tasks.list_for_session(session_id):
            if task.status in (TaskStatus.COMPLETED, TaskStatus.FAILED):
                continue
            task.status, task.error_code, task.error = TaskStatus.FAILED, ErrorCode.BROWSER_CRASHED.value, LOST_MESSAGE
            task.guardrail = None
            task.completed_at = utcnow()
            await self.store.tasks.save(task)
            events.append(TaskFinished(session_id=session_id, task_id=task.id, task=task))
        await self.store.sessions.end(session_id, LOST_REASON)
        events.append(SessionClosed(session_id=session_id, reason=LOST_REASON))
        await release_slot(session_id)
        channel = names.events_channel(self.runtime.cluster)
        for event in events:
            event.at = time.time()
            try:
                await self.client.publish(channel, pickle.dumps(event))
            except Exception as exc:  # the store has the endings; only live listeners miss them
                log.warning("the end of session %s was not announced: %s", session_id, exc)

