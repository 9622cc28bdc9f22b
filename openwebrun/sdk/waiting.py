"""How long to wait between polls of a task, and when a wait is over."""
from __future__ import annotations

from collections.abc import Iterator

from openwebrun.sdk.errors import TaskFailedError
from openwebrun.sdk.models import Task

SETTLED = ("completed", "failed", "guardrail")  # a person must act on a guardrail: waiting would not end it


def poll_delays(first: float = 0.2, factor: float = 1.5, cap: float = 2.0) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * factor)


def settled(task: Task, start: Task | None = None) -> bool:
    """Completed, failed or asking a person. A wait that starts on a question waits for a new one: the
    same question at the same usage is the one already seen (an answer takes a moment to show in polls)."""
    if task.status != "guardrail" or start is None or start.status != "guardrail":
        return task.status in SETTLED
    return _question(task) != _question(start)


def _question(task: Task) -> tuple[object, ...]:
    usage = task.usage
    return (task.data.value if task.data else None, usage.input_tokens if usage else None,
            usage.output_tokens if usage else None)


def outcome(task: Task, raise_on_failure: bool) -> Task:
    if raise_on_failure and task.status == "failed":
        raise TaskFailedError(task)
    return task
