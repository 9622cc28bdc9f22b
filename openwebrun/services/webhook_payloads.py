"""The bodies a webhook sends (WebRun's three kinds), built from the domain task."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from openwebrun.domain.models import OutputType, Task, TaskStatus
from openwebrun.domain.webhooks import WebhookEvent

KINDS = ("ai_response", "full_response", "just_ping")
FullBody = Callable[[Task], dict[str, Any]]  # the task as a poll answers it (api/presenters.task_body)


def event_of(task: Task) -> WebhookEvent:
    if task.status is TaskStatus.COMPLETED:
        return WebhookEvent.COMPLETED
    if task.status is TaskStatus.FAILED:
        return WebhookEvent.FAILED
    return WebhookEvent.GUARDRAIL


def _time(task: Task, at: float) -> str:
    moment = task.completed_at or datetime.fromtimestamp(at, UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _ai_response(task: Task, event: WebhookEvent) -> Any:
    """The output itself: parsed JSON for structured_json, else the text (CSV text for structured_csv).

    A task that failed or waits for a person has no output: its error or question is sent instead."""
    head = {"event": event.value, "sessionId": task.session_id, "taskId": task.id}
    if event is WebhookEvent.COMPLETED and task.result is not None:
        if task.spec.output_type is OutputType.STRUCTURED_JSON and task.result.data is not None:
            return task.result.data
        return task.result.message
    if event is WebhookEvent.FAILED:
        return {**head, "error": task.error or "The task failed.", "code": task.error_code or "INTERNAL_ERROR"}
    return {**head, "question": task.guardrail or "", "reason": task.guardrail_reason or "other",
            **task.guardrail_details}


def payload(kind: str, task: Task, at: float, full_body: FullBody) -> bytes:
    """The JSON body of one delivery; `at` is the event's time (epoch seconds)."""
    event = event_of(task)
    body: Any
    if kind == "just_ping":
        body = {"event": event.value, "sessionId": task.session_id, "taskId": task.id, "completedAt": _time(task, at)}
    elif kind == "full_response":
        body = {"event": event.value, **full_body(task)}
    else:
        body = _ai_response(task, event)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
