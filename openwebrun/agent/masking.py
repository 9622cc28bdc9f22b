"""Masking of everything a task stores or returns, with the same masker as what the model reads.

A secret value (a task's `secrets`) becomes ••• in step titles, URLs, reasoning, action arguments
and results, errors, the visited-URL log, the output and the names of downloaded files. Screenshots
are images and are not masked (see OPENWEBRUN_STEP_SCREENSHOTS).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from openwebrun.domain.models import StepRecord, Task, TaskResult, VisitedUrl

Masker = Callable[[str], str]


def mask_value(value: Any, mask: Masker) -> Any:
    """`value` with every string in it masked (dict keys too); containers are copied, not changed."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_value(k, mask): mask_value(v, mask) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v, mask) for v in value]
    return value


def mask_step(step: StepRecord, mask: Masker) -> StepRecord:
    return dataclasses.replace(
        step, url=mask(step.url), title=mask(step.title), thinking=mask(step.thinking),
        next_goal=mask(step.next_goal), actions=mask_value(step.actions, mask),
        results=[mask(r) for r in step.results], error=None if step.error is None else mask(step.error))


def mask_result(result: TaskResult, mask: Masker) -> TaskResult:
    return TaskResult(
        message=mask(result.message), data=mask_value(result.data, mask),
        files=[dataclasses.replace(f, filename=mask(f.filename), source=mask(f.source)) for f in result.files],
        urls=[VisitedUrl(url=mask(u.url), timestamp=u.timestamp) for u in result.urls])


def mask_finished(task: Task, mask: Masker) -> None:
    """Mask what a task that just ended keeps: its error, guardrail text and result."""
    if task.error is not None:
        task.error = mask(task.error)
    if task.guardrail is not None:
        task.guardrail = mask(task.guardrail)
    if task.result is not None:
        task.result = mask_result(task.result, mask)

