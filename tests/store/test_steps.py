"""Agent steps and their screenshots."""
from __future__ import annotations

import os

import pytest
from sqlalchemy.exc import IntegrityError

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import StepRecord, Task, TaskSpec


@pytest.fixture
async def task(store, session) -> Task:
    t = Task(id=new_id(), session_id=session.id, account_id=session.account_id, spec=TaskSpec(task_details="x"))
    await store.tasks.add(t)
    return t


def _step(task_id: str, number: int, screenshot: bytes | None) -> StepRecord:
    return StepRecord(
        task_id=task_id, number=number, url=f"https://example.test/{number}", title=f"Page {number} — ✓",
        thinking="Je dois cliquer 点击", next_goal="open the form",
        actions=[{"click": {"index": number}}, {"input_text": {"index": 2, "text": "héllo"}}],
        results=["clicked", "typed"], error=None if number % 2 else "element not found",
        input_tokens=100 + number, output_tokens=10 + number, screenshot=screenshot,
    )


async def test_steps_round_trip_with_screenshots(store, task):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(200_000) + b"\x00\xff"
    steps = [_step(task.id, 3, None), _step(task.id, 1, png), _step(task.id, 2, b"")]
    for s in steps:
        await store.steps.add(s)

    listed = await store.steps.list(task.id)
    assert [s.number for s in listed] == [1, 2, 3]
    assert all(s.screenshot is None for s in listed)  # left out of listings
    by_number = {s.number: s for s in steps}
    for got in listed:
        want = by_number[got.number]
        want_without_image = StepRecord(**{**want.__dict__, "screenshot": None,
                                           "has_screenshot": want.screenshot is not None})
        assert got == want_without_image

    full = await store.steps.list(task.id, with_screenshots=True)
    assert [s.screenshot for s in full] == [png, b"", None]
    assert await store.steps.screenshot(task.id, 1) == png
    assert await store.steps.screenshot(task.id, 3) is None
    assert await store.steps.screenshot(task.id, 99) is None
    assert await store.steps.list(new_id()) == []


async def test_step_numbers_are_unique_per_task(store, task):
    await store.steps.add(_step(task.id, 1, None))
    with pytest.raises(IntegrityError):
        await store.steps.add(_step(task.id, 1, None))


async def test_step_needs_an_existing_task(store):
    """Foreign keys are enforced (on SQLite too)."""
    with pytest.raises(IntegrityError):
        await store.steps.add(_step(new_id(), 1, None))
