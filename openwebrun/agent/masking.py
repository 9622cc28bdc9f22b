"""Masking of everything a task stores or returns, with the same masker as what the model reads.

A secret value (a task's `secrets`) becomes ••• in step titles, URLs, reasoning, action arguments
and results, errors, the visited-URL log, the output and the names of downloaded files. Screenshots
are images and are not masked (see OPENWEBRUN_STEP_SCREENSHOTS).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from openwebrun.domain.models import StepRecord, Task, TaskResult, VisitedUrl

Masker = Callable[[str], str]

MASK = "•••"
MIN_MASKED = 3  # shorter secret values cannot be masked in free text without garbling it


class SecretMasker:
    """Replaces each secret value (of MIN_MASKED characters or more) with •••, as written or
    percent-encoded in any mix: a browser encodes some characters of a URL and leaves others."""

    def __init__(self, values: Iterable[str] = ()):
        kept = sorted({v for v in values if len(v) >= MIN_MASKED}, key=len, reverse=True)  # longest first
        self.pattern = re.compile("|".join(_any_encoding(v) for v in kept)) if kept else None

    def __call__(self, text: str) -> str:
        return self.pattern.sub(MASK, text) if self.pattern is not None else text


def _any_encoding(value: str) -> str:
    parts = []
    for char in value:
        forms = [re.escape(char), "(?i:" + "".join(f"%{b:02x}" for b in char.encode()) + ")"]
        if char == " ":
            forms.append(r"\+")
        parts.append("(?:" + "|".join(forms) + ")")
    return "".join(parts)


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
        urls=[VisitedUrl(url=mask(u.url), timestamp=u.timestamp, blocked=u.blocked) for u in result.urls])


def mask_finished(task: Task, mask: Masker) -> None:
    """Mask what a task that just ended keeps: its error, guardrail text and result."""
    if task.error is not None:
        task.error = mask(task.error)
    if task.guardrail is not None:
        task.guardrail = mask(task.guardrail)
    if task.result is not None:
        task.result = mask_result(task.result, mask)

