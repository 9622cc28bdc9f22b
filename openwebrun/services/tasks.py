"""Tasks: checking a request's spec, recording, waiting for and reading a task."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from openwebrun.agent.output import check_output_schema
from openwebrun.domain.errors import ApiError
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, StepRecord, Task, TaskSpec, TaskStatus
from openwebrun.runtime.errors import SessionBusy, SessionGone
from openwebrun.runtime.live_session import LiveSession, RunningTask
from openwebrun.runtime.sessions import SessionRuntime
from openwebrun.services.files import FileService
from openwebrun.store.repositories import Store


class TaskService:
    def __init__(self, store: Store, runtime: SessionRuntime, files: FileService):
        self.store = store
        self.runtime = runtime
        self.files = files

    async def check_spec(self, account: Account, spec: TaskSpec) -> None:
        """400 for what the request body's schema cannot tell: a bad outputSchema, unknown file ids."""
        problem = await check_output_schema(spec.output_type, spec.output_schema)  # off the event loop
        if problem:
            raise ApiError(400, f"Invalid outputSchema: {problem}", "VALIDATION_ERROR")
        await self.files.resolve(account, spec.files)

    async def start(self, account: Account, live: LiveSession, spec: TaskSpec) -> Task:
        """Record the task and hand it to the session's runner; 409 while another task runs."""
        if live.busy:
            raise ApiError(409, "A task is already running in this session; wait for it or stop it.", "TASK_RUNNING")
        task = Task(id=new_id(), session_id=live.id, account_id=account.id, spec=spec)
        files = await self._files(account, task)
        await self.store.tasks.add(task)
        try:
            self.runtime.start_task(live, task, files)
        except SessionBusy:
            await self._never_ran(task, "Another task started first.", "TASK_RUNNING")
            raise ApiError(409, "A task is already running in this session; wait for it or stop it.", "TASK_RUNNING")
        except SessionGone:
            await self._never_ran(task, "The session ended.", "SESSION_TERMINATED")
            raise ApiError(401, "Session not found or unauthorized.", "SESSION_NOT_FOUND")
        return task

    async def _never_ran(self, task: Task, message: str, code: str) -> None:
        task.status, task.error, task.error_code = TaskStatus.FAILED, message, code
        await self.store.tasks.save(task)

    async def _files(self, account: Account, task: Task) -> dict[str, Path]:
        """The task's attached files, by the name the agent uses with upload_file."""
        return await self.files.attach(account, task.session_id, task.id, task.spec.files)

    async def wait(self, task: Task, timeout_s: float) -> Task:
        """The task as it stands after it finished or `timeout_s` passed."""
        running = self.runtime.running(task.id)
        if running is not None:
            try:
                await asyncio.wait_for(running.finished.wait(), timeout=timeout_s)
            except TimeoutError:
                pass
        return await self.get(task.session_id, task.id) or task

    async def get(self, session_id: str, task_id: str) -> Task | None:
        """Live tasks come from the runtime (usage so far), finished ones from the store."""
        running = self.runtime.running(task_id)
        if running is not None and running.task.session_id == session_id:
            return _live_snapshot(running)
        task = await self.store.tasks.get(task_id)
        if task is None or task.session_id != session_id:
            return None
        return task

    async def owned(self, account: Account, session_id: str, task_id: str) -> Task:
        """The caller's own task, else 404 (someone else's task is not revealed)."""
        task = await self.get(session_id, task_id)
        if task is None or task.account_id != account.id:
            raise ApiError(404, "Task not found.", "TASK_NOT_FOUND")
        return task

    async def steps(self, account: Account, session_id: str, task_id: str) -> list[StepRecord]:
        await self.owned(account, session_id, task_id)
        return await self.store.steps.list(task_id)

    async def screenshot(self, account: Account, session_id: str, task_id: str, number: int) -> bytes:
        await self.owned(account, session_id, task_id)
        image = await self.store.steps.screenshot(task_id, number)
        if image is None:
            raise ApiError(404, f"No screenshot for step {number}.", "NOT_FOUND")
        return image

    async def record_step(self, step: StepRecord) -> None:
        await self.store.steps.add(step)

    async def record_finished(self, running: RunningTask) -> None:
        """Save a finished task; the files it downloaded become stored files first (ids in the result)."""
        try:
            await self.files.keep_downloads(running.task)
        finally:
            await self.store.tasks.save(running.task)


def _live_snapshot(running: RunningTask) -> Task:
    task = running.task
    if not running.finished.is_set():
        task.usage.compute_time = round(time.monotonic() - running.started, 3)
    return task
