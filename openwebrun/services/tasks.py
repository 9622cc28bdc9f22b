"""Tasks: checking a request's spec, recording, handing to the runtime, waiting for and reading a task."""
from __future__ import annotations

from openwebrun.agent.output import check_output_schema
from openwebrun.domain.commands import NewTask
from openwebrun.domain.errors import Refused
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, StepRecord, Task, TaskSpec, TaskStatus, utcnow
from openwebrun.runtime.door import Runtime
from openwebrun.services.files import FileService
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.webhooks import WebhookService
from openwebrun.store.repositories import Store


class TaskService:
    def __init__(self, store: Store, runtime: Runtime, files: FileService, recorder: StoreRecorder,
                 webhooks: WebhookService):
        self.store = store
        self.webhooks = webhooks
        self.runtime = runtime
        self.files = files
        self.recorder = recorder

    async def check_spec(self, account: Account, spec: TaskSpec) -> None:
        """400 for what the request body's schema cannot tell: a bad outputSchema, unknown file ids,
        a startingPoint the browser may not open."""
        problem = await check_output_schema(spec.output_type, spec.output_schema)  # off the event loop
        if problem:
            raise Refused("VALIDATION_ERROR", f"Invalid outputSchema: {problem}")
        if spec.starting_point and (refused := await self.runtime.url_refusal(spec.starting_point)):
            raise Refused("URL_NOT_ALLOWED", f"startingPoint cannot be opened: {refused}")
        await self.webhooks.check(spec.webhook)
        await self.files.resolve(account, spec.files)

    async def start(self, account: Account, session_id: str, spec: TaskSpec) -> Task:
        """Record the task and hand it to the session: it runs now, or waits in the session's queue."""
        task = Task(id=new_id(), session_id=session_id, account_id=account.id, spec=spec)
        files = await self.files.attach(account, session_id, task.id, spec.files)
        await self.store.tasks.add(task)
        try:
            await self.runtime.command(session_id, NewTask(task, {name: str(path) for name, path in files.items()}))
        except Refused as refused:
            task.status, task.error, task.error_code = TaskStatus.FAILED, refused.message, refused.code
            task.completed_at = utcnow()
            await self.store.tasks.save(task)
            raise
        return task

    async def wait(self, task: Task, timeout_s: float) -> Task:
        """The task as it stands after it ended, asked a person, or `timeout_s` passed."""
        await self.runtime.wait(task.id, timeout_s, session_id=task.session_id)
        return await self.get(task.session_id, task.id) or task

    async def get(self, session_id: str, task_id: str) -> Task | None:
        """Live tasks come from the runtime (usage so far), ended ones from the store."""
        live = await self.runtime.task(task_id, session_id=session_id)
        if live is not None and live.session_id == session_id:
            return live
        await self.recorder.caught_up()  # an ending just announced is in the store before we read it
        task = await self.store.tasks.get(task_id)
        if task is None or task.session_id != session_id:
            return None
        return task

    async def owned(self, account: Account, session_id: str, task_id: str) -> Task:
        """The caller's own task, else 404 (someone else's task is not revealed)."""
        task = await self.get(session_id, task_id)
        if task is None or task.account_id != account.id:
            raise Refused("TASK_NOT_FOUND", "Task not found.")
        return task

    async def steps(self, account: Account, session_id: str, task_id: str) -> list[StepRecord]:
        await self.owned(account, session_id, task_id)
        await self.recorder.caught_up()
        return await self.store.steps.list(task_id)

    async def screenshot(self, account: Account, session_id: str, task_id: str, number: int) -> bytes:
        await self.owned(account, session_id, task_id)
        await self.recorder.caught_up()
        image = await self.store.steps.screenshot(task_id, number)
        if image is None:
            raise Refused("NOT_FOUND", f"No screenshot for step {number}.")
        return image
