"""Sessions: start, send a task, terminate, run a single task."""
from __future__ import annotations

from openwebrun.browser.pool import BrowserUnavailable
from openwebrun.domain.errors import ApiError, ErrorCode
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, Session, Task, TaskSpec
from openwebrun.runtime.errors import CapacityExceeded
from openwebrun.runtime.live_session import LiveSession
from openwebrun.runtime.sessions import SessionRuntime
from openwebrun.services.tasks import TaskService
from openwebrun.store.repositories import Store



def session_gone() -> ApiError:
    return ApiError(401, "Session not found or unauthorized.", "SESSION_NOT_FOUND")


class SessionService:
    def __init__(self, store: Store, runtime: SessionRuntime, tasks: TaskService, *, default_expires_ms: int):
        self.store = store
        self.runtime = runtime
        self.tasks = tasks
        self.default_expires_ms = default_expires_ms

    async def start(self, account: Account, initial: TaskSpec | None = None,
                    expires_in_ms: int | None = None) -> tuple[Session, Task | None]:
        if initial is not None:
            await self.tasks.check_spec(account, initial)
        session = Session(id=new_id(), account_id=account.id, expires_in_ms=expires_in_ms or self.default_expires_ms)
        try:
            live = await self.runtime.open_session(session.id, account.id, session.expires_in_ms)
        except CapacityExceeded:
            raise ApiError(503, "No available instances", "NO_AVAILABLE_INSTANCES") from None
        except BrowserUnavailable as exc:
            raise ApiError(503, f"No available instances: {exc}", "BROWSER_UNAVAILABLE") from None
        try:
            await self.store.sessions.add(session)
        except BaseException:
            await self.runtime.close_session(session.id, "start_failed")
            raise
        task = await self.tasks.start(account, live, initial) if initial is not None else None
        return session, task

    def live(self, account: Account, session_id: str) -> LiveSession:
        """The caller's live session; 401 for unknown, ended or someone else's (as the spec says)."""
        live = self.runtime.get(session_id) if session_id else None
        if live is None or live.account_id != account.id:
            raise session_gone()
        return live

    async def new_task(self, account: Account, session_id: str, spec: TaskSpec) -> Task:
        await self.tasks.check_spec(account, spec)
        return await self.tasks.start(account, self.live(account, session_id), spec)

    async def terminate(self, account: Account, session_id: str) -> None:
        self.live(account, session_id)
        await self.runtime.close_session(session_id, "terminated",
                                         (ErrorCode.SESSION_TERMINATED, "The session was terminated."))

    async def stop_task(self, account: Account, session_id: str) -> bool:
        return await self.runtime.stop_task(self.live(account, session_id))

    async def run_task(self, account: Account, spec: TaskSpec) -> tuple[Session, Task]:
        spec.terminate_on_completion = True
        session, task = await self.start(account, spec)
        assert task is not None
        return session, task

    async def record_closed(self, session_id: str, reason: str) -> None:
        await self.store.sessions.end(session_id, reason)
