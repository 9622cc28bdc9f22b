"""Agent steps of a task, with an optional screenshot each."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer

from openwebrun.domain.models import StepRecord
from openwebrun.store.repositories.base import Repository
from openwebrun.store.tables import TaskStepRow


def step_from_row(row: TaskStepRow, with_screenshot: bool, has_screenshot: bool = False) -> StepRecord:
    return StepRecord(
        task_id=row.task_id, number=row.number, url=row.url, title=row.title, thinking=row.thinking,
        next_goal=row.next_goal, actions=list(row.actions), results=list(row.results), error=row.error,
        input_tokens=row.input_tokens, output_tokens=row.output_tokens,
        screenshot=row.screenshot if with_screenshot else None, has_screenshot=has_screenshot,
        created_at=row.created_at,
    )


class StepRepository(Repository):
    async def add(self, step: StepRecord) -> None:
        async with self._transaction() as s:
            s.add(TaskStepRow(
                task_id=step.task_id, number=step.number, url=step.url, title=step.title, thinking=step.thinking,
                next_goal=step.next_goal, actions=step.actions, results=step.results, error=step.error,
                input_tokens=step.input_tokens, output_tokens=step.output_tokens, screenshot=step.screenshot,
                created_at=step.created_at))

    async def list(self, task_id: str, *, with_screenshots: bool = False) -> list[StepRecord]:
        """Steps ordered by number. Screenshots are left out (None, with has_screenshot telling whether
        one exists) unless asked for: see screenshot()."""
        query = (select(TaskStepRow, TaskStepRow.screenshot.is_not(None))
                 .where(TaskStepRow.task_id == task_id).order_by(TaskStepRow.number))
        if with_screenshots:
            query = query.options(undefer(TaskStepRow.screenshot))
        async with self._transaction() as s:
            return [step_from_row(row, with_screenshots, bool(has)) for row, has in await s.execute(query)]

    async def screenshot(self, task_id: str, number: int) -> bytes | None:
        async with self._transaction() as s:
            return await s.scalar(select(TaskStepRow.screenshot)
                                  .where(TaskStepRow.task_id == task_id, TaskStepRow.number == number))
