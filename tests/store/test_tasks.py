"""Tasks: round trip, secrets kept out, outcomes, restart clean-up, concurrent saves."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import (
    DownloadedFile,
    OutputType,
    SecretEntry,
    Task,
    TaskResult,
    TaskSpec,
    TaskStatus,
    Usage,
    VisitedUrl,
    utcnow,
)
from openwebrun.store.repositories import TaskNotFound

from .raw import raw_rows

SCHEMA = {"type": "object", "properties": {"titre": {"type": "string"}, "价格": {"type": "number"}}}


def _spec(**overrides) -> TaskSpec:
    values = dict(
        task_details="Trouve le prix — 找到价格 🚀 on \"quoted\" pages\nline two",
        starting_point="https://example.test/produits?q=café",
        max_duration_ms=120_000, max_input_tokens=5_000, max_output_tokens=800,
        output_type=OutputType.STRUCTURED_JSON, output_schema=SCHEMA, terminate_on_completion=True,
        avoid_domains=["ads.example.test"], files=["file-1"],
        secrets=[SecretEntry(match="example.test", fields={"password": "hunter2-SECRET-ÿ"})],
    )
    values.update(overrides)
    return TaskSpec(**values)


def _task(session, **overrides) -> Task:
    return Task(id=new_id(), session_id=session.id, account_id=session.account_id, spec=_spec(), **overrides)


async def test_round_trip_running(store, session):
    task = _task(session)
    await store.tasks.add(task)
    got = await store.tasks.get(task.id)

    assert got.spec == _spec(secrets=[])  # everything but the secrets
    assert got.status is TaskStatus.RUNNING and got.result is None and got.completed_at is None
    assert got.usage == Usage()
    assert got.created_at == task.created_at and got.created_at.utcoffset() == timedelta(0)
    assert await store.tasks.get(new_id()) is None


async def test_secrets_are_not_written(db, store, session):
    await store.tasks.add(_task(session))
    rows = await raw_rows(db, "tasks")
    assert "hunter2" not in repr(rows) and "SECRET" not in repr(rows)


async def test_save_completed_with_json_result(store, session):
    task = _task(session)
    await store.tasks.add(task)

    task.status = TaskStatus.COMPLETED
    task.usage = Usage(input_tokens=1234, output_tokens=56, compute_time=7.25, cost=0.00421)
    task.result = TaskResult(
        message="Prix trouvé : 12,50 € — 完成",
        data={"titre": "Café ☕", "价格": 12.5, "tags": ["a", None, True], "nested": {"n": [1, 2.5]}},
        files=[DownloadedFile(source="https://example.test/f.pdf", filename="facture é.pdf",
                              path="/data/files/ab/cd", timestamp=1717000000123.0, file_id="f1")],
        urls=[VisitedUrl(url="https://example.test/", timestamp=1717000000000.0),
              VisitedUrl(url="https://example.test/produits?q=café", timestamp=1717000000500.5)],
    )
    task.completed_at = utcnow()
    await store.tasks.save(task)

    got = await store.tasks.get(task.id)
    assert got.status is TaskStatus.COMPLETED
    assert got.usage == task.usage
    assert got.result == task.result
    assert got.completed_at == task.completed_at
    assert got.spec == _spec(secrets=[])


async def test_result_shapes(store, session):
    """CSV rows, a plain string and an empty message all come back as they went in."""
    for data, message in [([["a", "b"], ["1", "ü"]], "csv"), ("just text", "text"), (None, "")]:
        task = _task(session, status=TaskStatus.COMPLETED, result=TaskResult(message=message, data=data),
                     completed_at=utcnow())
        await store.tasks.add(task)
        got = await store.tasks.get(task.id)
        assert got.result == TaskResult(message=message, data=data)


async def test_save_failure_and_guardrail(store, session):
    task = _task(session)
    await store.tasks.add(task)

    task.status = TaskStatus.GUARDRAIL
    task.guardrail = "Which account should I use?"
    await store.tasks.save(task)
    assert (await store.tasks.get(task.id)).guardrail == "Which account should I use?"

    task.status, task.guardrail = TaskStatus.FAILED, None
    task.error, task.error_code = "Navigation timed out after 30 s", "NAVIGATION_TIMEOUT"
    task.completed_at = utcnow()
    await store.tasks.save(task)
    got = await store.tasks.get(task.id)
    assert (got.status, got.error, got.error_code, got.guardrail, got.result) == (
        TaskStatus.FAILED, "Navigation timed out after 30 s", "NAVIGATION_TIMEOUT", None, None)


async def test_save_unknown_task_raises(store, session):
    with pytest.raises(TaskNotFound):
        await store.tasks.save(_task(session))


async def test_list_for_session(store, session):
    tasks = [_task(session) for _ in range(3)]
    for t in tasks:
        await store.tasks.add(t)
    assert [t.id for t in await store.tasks.list_for_session(session.id)] == [t.id for t in tasks]


async def test_fail_unfinished(store, session):
    running = _task(session)
    waiting = _task(session, status=TaskStatus.GUARDRAIL, guardrail="need a code")
    done = _task(session, status=TaskStatus.COMPLETED, result=TaskResult(message="ok"), completed_at=utcnow())
    for t in (running, waiting, done):
        await store.tasks.add(t)

    assert await store.tasks.fail_unfinished("INTERNAL_ERROR", "server restarted") == 2
    for t in (running, waiting):
        got = await store.tasks.get(t.id)
        assert (got.status, got.error_code, got.error, got.guardrail) == (
            TaskStatus.FAILED, "INTERNAL_ERROR", "server restarted", None)
        assert got.completed_at is not None
    done.spec.secrets = []
    assert await store.tasks.get(done.id) == done
    assert await store.tasks.fail_unfinished("INTERNAL_ERROR", "again") == 0


async def test_concurrent_saves(store, session):
    """Many writers at once: on SQLite they queue on the lock instead of failing."""
    tasks = [_task(session) for _ in range(12)]
    await asyncio.gather(*(store.tasks.add(t) for t in tasks))

    async def finish(task: Task, i: int) -> None:
        for step in range(3):
            task.usage = Usage(input_tokens=100 * (step + 1) + i, output_tokens=step, compute_time=step * 0.5)
            await store.tasks.save(task)
        task.status, task.result, task.completed_at = TaskStatus.COMPLETED, TaskResult(message=f"done {i}"), utcnow()
        await store.tasks.save(task)

    await asyncio.gather(*(finish(t, i) for i, t in enumerate(tasks)))
    for i, t in enumerate(tasks):
        got = await store.tasks.get(t.id)
        assert got.status is TaskStatus.COMPLETED and got.result.message == f"done {i}"
        assert got.usage.input_tokens == 300 + i
