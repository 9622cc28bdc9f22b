"""Tasks: what was asked (never the secrets), how it went, what came out."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from openwebrun.domain.models import (
    DownloadedFile,
    OutputType,
    Task,
    TaskResult,
    TaskSpec,
    TaskStatus,
    Usage,
    VisitedUrl,
    utcnow,
)
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import TaskRow

UNFINISHED = (TaskStatus.QUEUED.value, TaskStatus.RUNNING.value, TaskStatus.GUARDRAIL.value)


class TaskNotFound(LookupError):
    """save() was given a task that was never added."""


def spec_from_dict(d: dict[str, Any]) -> TaskSpec:
    """Inverse of TaskSpec.public_dict(); secrets come back empty."""
    return TaskSpec(
        task_details=d["taskDetails"],
        starting_point=d.get("startingPoint"),
        max_duration_ms=d.get("maxDuration", 300_000),
        max_input_tokens=d.get("maxInputTokens", 100_000),
        max_output_tokens=d.get("maxOutputTokens", 100_000),
        output_type=OutputType(d.get("outputType", OutputType.TEXT.value)),
        output_schema=d.get("outputSchema"),
        terminate_on_completion=d.get("terminateOnCompletion", False),
        avoid_domains=list(d.get("avoidDomains") or []),
        files=list(d.get("files") or []),
    )


def _file_dict(f: DownloadedFile) -> dict:
    return {"source": f.source, "filename": f.filename, "path": f.path, "timestamp": f.timestamp, "fileId": f.file_id}


def _file_from(d: dict) -> DownloadedFile:
    return DownloadedFile(source=d["source"], filename=d["filename"], path=d["path"],
                          timestamp=d["timestamp"], file_id=d.get("fileId", ""))


def _outcome_values(task: Task) -> dict[str, Any]:
    """The columns save() writes: everything that changes while a task runs."""
    result = task.result
    return {
        "status": task.status.value,
        "input_tokens": task.usage.input_tokens,
        "output_tokens": task.usage.output_tokens,
        "compute_time": task.usage.compute_time,
        "cost": task.usage.cost,
        "proxy_bytes": task.usage.proxy_bytes,
        "result_message": result.message if result else None,
        "result_data": result.data if result else None,
        "result_files": [_file_dict(f) for f in result.files] if result else None,
        "result_urls": [{"url": u.url, "timestamp": u.timestamp, **({"blocked": True} if u.blocked else {})}
                        for u in result.urls] if result else None,
        "error": task.error,
        "error_code": task.error_code,
        "guardrail": task.guardrail,
        "completed_at": task.completed_at,
    }


def task_from_row(row: TaskRow) -> Task:
    result = None
    if row.result_message is not None:
        result = TaskResult(
            message=row.result_message,
            data=row.result_data,
            files=[_file_from(f) for f in row.result_files or []],
            urls=[VisitedUrl(url=u["url"], timestamp=u["timestamp"], blocked=bool(u.get("blocked")))
                  for u in row.result_urls or []],
        )
    return Task(
        id=row.id, session_id=row.session_id, account_id=row.account_id, spec=spec_from_dict(row.spec),
        status=TaskStatus(row.status),
        usage=Usage(input_tokens=row.input_tokens, output_tokens=row.output_tokens,
                    compute_time=row.compute_time, cost=row.cost, proxy_bytes=row.proxy_bytes or 0),
        result=result, error=row.error, error_code=row.error_code, guardrail=row.guardrail,
        created_at=row.created_at, completed_at=row.completed_at,
    )


class TaskRepository(Repository):
    async def add(self, task: Task) -> None:
        async with self._transaction() as s:
            s.add(TaskRow(id=task.id, session_id=task.session_id, account_id=task.account_id,
                          spec=task.spec.public_dict(), created_at=task.created_at, **_outcome_values(task)))

    async def get(self, task_id: str) -> Task | None:
        async with self._transaction() as s:
            row = await s.get(TaskRow, task_id)
            return task_from_row(row) if row else None

    async def list_for_session(self, session_id: str) -> list[Task]:
        """A session's tasks, oldest first."""
        async with self._transaction() as s:
            rows = await s.scalars(select(TaskRow).where(TaskRow.session_id == session_id)
                                   .order_by(TaskRow.created_at, TaskRow.id))
            return [task_from_row(r) for r in rows]

    async def recent(self, account_id: str, limit: int = 50) -> list[Task]:
        """The account's latest tasks, newest first."""
        async with self._transaction() as s:
            rows = await s.scalars(select(TaskRow).where(TaskRow.account_id == account_id)
                                   .order_by(TaskRow.created_at.desc(), TaskRow.id).limit(limit))
            return [task_from_row(r) for r in rows]

    async def save(self, task: Task) -> None:
        """Write status, usage, result, error, guardrail and completed_at. The spec never changes."""
        async with self._transaction() as s:
            result = await s.execute(update(TaskRow).where(TaskRow.id == task.id).values(**_outcome_values(task)))
            if rows_changed(result) == 0:
                raise TaskNotFound(task.id)

    async def set_status(self, task_id: str, status: TaskStatus, guardrail: str | None = None) -> None:
        """Write only the status (and the open question) of a task that is still going."""
        async with self._transaction() as s:
            await s.execute(update(TaskRow).where(TaskRow.id == task_id)
                            .values(status=status.value, guardrail=guardrail))

    async def fail_unfinished(self, reason_code: str, message: str) -> int:
        """Mark every running (or guardrail-waiting) task failed, e.g. after a restart; returns how many."""
        async with self._transaction() as s:
            result = await s.execute(
                update(TaskRow).where(TaskRow.status.in_(UNFINISHED))
                .values(status=TaskStatus.FAILED.value, error=message, error_code=str(reason_code),
                        guardrail=None, completed_at=utcnow()))
            return rows_changed(result)
