"""The registry of live sessions: capacity, task start, stop, idle expiry, shutdown."""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.loop import Agent
from openwebrun.browser.pool import BrowserPool
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Task
from openwebrun.runtime.errors import CapacityExceeded, SessionBusy, SessionGone
from openwebrun.runtime.live_session import LiveSession, RunningTask
from openwebrun.runtime.task_runner import run_task

log = logging.getLogger(__name__)

AgentFactory = Callable[[Task], Agent]
TaskFinished = Callable[[RunningTask], Awaitable[None]]
SessionClosed = Callable[[str, str], Awaitable[None]]


class SessionRuntime:
    def __init__(self, pool: BrowserPool, *, max_sessions: int, agent_factory: AgentFactory,
                 downloads_root: Path, navigation_timeout_ms: int,
                 on_task_finished: TaskFinished, on_session_closed: SessionClosed,
                 expiry_interval_s: float = 1.0):
        self.pool = pool
        self.max_sessions = max_sessions
        self.agent_factory = agent_factory
        self.downloads_root = downloads_root
        self.navigation_timeout_ms = navigation_timeout_ms
        self.on_task_finished = on_task_finished
        self.on_session_closed = on_session_closed
        self.expiry_interval_s = expiry_interval_s
        self._sessions: dict[str, LiveSession] = {}
        self._opening = 0
        self._tasks: dict[str, RunningTask] = {}
        self._reaper: asyncio.Task | None = None
        self._closers: set[asyncio.Task] = set()

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        self._reaper = asyncio.create_task(self._expire_idle(), name="session-expiry")

    async def close(self) -> None:
        if self._reaper:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
        for session_id in list(self._sessions):
            await self.close_session(session_id, "server_shutdown",
                                     (ErrorCode.SESSION_TERMINATED, "The server shut down."))
        await asyncio.gather(*self._closers, return_exceptions=True)

    # --- sessions ----------------------------------------------------------------
    @property
    def free_slots(self) -> int:
        return max(0, self.max_sessions - len(self._sessions) - self._opening)

    async def open_session(self, session_id: str, account_id: str, expires_in_ms: int) -> LiveSession:
        if self.free_slots <= 0:
            raise CapacityExceeded()
        self._opening += 1
        try:
            context = await self.pool.new_context()
            context.set_default_navigation_timeout(self.navigation_timeout_ms)
            try:
                await context.new_page()  # ready means a tab is open
            except BaseException:
                await self.pool.release(context)
                raise
            env = BrowserEnv(context, downloads_dir=self.downloads_root / session_id,
                             navigation_timeout_ms=self.navigation_timeout_ms, reach=self.pool.reach)
            live = LiveSession(session_id, account_id, context, env, expires_in_ms)
            self._sessions[session_id] = live
        finally:
            self._opening -= 1
        return live

    def get(self, session_id: str) -> LiveSession | None:
        live = self._sessions.get(session_id)
        return None if live is None or live.closing else live

    async def close_session(self, session_id: str, reason: str,
                            stop: tuple[ErrorCode, str] = (ErrorCode.SESSION_TERMINATED, "The session was terminated.")) -> bool:
        live = self._sessions.get(session_id)
        if live is None or live.closing:
            return False
        live.closing = True
        try:
            if live.busy:
                await self._stop(live.current, stop)
            live.env.close()
            await self.pool.release(live.context)
        finally:
            self._sessions.pop(session_id, None)
            try:
                await self.on_session_closed(session_id, reason)
            except Exception:
                log.exception("could not record the end of session %s", session_id)
        return True

    # --- tasks -------------------------------------------------------------------
    def start_task(self, live: LiveSession, task: Task, files: dict[str, Path] | None = None) -> RunningTask:
        if live.closing:
            raise SessionGone()
        if live.busy:
            raise SessionBusy()
        live.env.set_files(files or {})
        live.env.set_secret_values(v for entry in task.spec.secrets for v in entry.fields.values())
        running = RunningTask(task)
        live.current = running
        live.touch()
        self._tasks[task.id] = running
        running.job = asyncio.create_task(run_task(live, running, self.agent_factory(task), self._finished(live)),
                                          name=f"task-{task.id}")
        return running

    def running(self, task_id: str) -> RunningTask | None:
        return self._tasks.get(task_id)

    async def stop_task(self, live: LiveSession) -> bool:
        if not live.busy:
            return False
        await self._stop(live.current, (ErrorCode.STOPPED, "The task was stopped on request."))
        return True

    async def _stop(self, running: RunningTask | None, reason: tuple[ErrorCode, str]) -> None:
        if running is None or running.job is None:
            return
        if not running.ending:
            running.stop_reason = reason
            running.job.cancel()
        await running.finished.wait()

    def _finished(self, live: LiveSession):
        async def finished(running: RunningTask) -> None:
            try:
                await self.on_task_finished(running)
            finally:
                self._tasks.pop(running.task.id, None)
                if running.task.spec.terminate_on_completion and not live.closing:
                    closer = asyncio.create_task(self._close_after(running, live.id))
                    self._closers.add(closer)
                    closer.add_done_callback(self._closers.discard)
        return finished

    async def _close_after(self, running: RunningTask, session_id: str) -> None:
        await running.finished.wait()
        await self.close_session(session_id, "task_completed")

    # --- expiry ------------------------------------------------------------------
    async def _expire_idle(self) -> None:
        while True:
            await asyncio.sleep(self.expiry_interval_s)
            now = time.monotonic()
            for live in list(self._sessions.values()):
                if not live.closing and live.idle_expired(now):
                    try:
                        await self.close_session(live.id, "expired")
                    except Exception:
                        log.exception("could not expire session %s", live.id)
