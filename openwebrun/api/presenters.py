"""Domain -> wire: the response bodies of the native API (the superset decided in DESIGN.md)."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from openwebrun.domain.environments import Environment
from openwebrun.domain.models import Session, StepRecord, StoredFile, Task, TaskStatus, Usage
from openwebrun.domain.policies import AuditEntry, Policy, policy_document
from openwebrun.domain.webhooks import DeliveryStatus, WebhookDelivery
from openwebrun.services.links import Links

STREAM_DIMENSIONS = {"width": 1024, "height": 600}


def usage_body(usage: Usage) -> dict[str, Any]:
    cost = round(usage.cost, 6)
    time_s = round(usage.compute_time, 3)
    return {
        "prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens, "completion_time": time_s, "cost": cost,
        "inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens, "computeTime": time_s,
        "proxyBytes": usage.proxy_bytes,
    }


def poll_url(base_url: str, task: Task) -> str:
    return f"{base_url}/task/{task.session_id}/{task.id}"


def _network(task: Task) -> list[dict[str, Any]]:
    urls = task.result.urls if task.result else []
    if not urls:
        return []
    short = hashlib.sha256(task.id.encode()).hexdigest()[:5]
    return [{"id": short, "taskId": task.id,
             "urls": [{"url": u.url, "timestamp": u.timestamp, **({"blocked": True} if u.blocked else {})}
                      for u in urls]}]


def _files(task: Task, links: Links) -> list[dict[str, Any]]:
    """Downloads of the task, each with a signed link; a file that could not be kept has no fileId and no downloadUrl."""
    files = task.result.files if task.result else []
    return [{"source": f.source, "downloadUrl": links.download(f.file_id) if f.file_id else None,
             "filename": f.filename, "timestamp": f.timestamp, "fileId": f.file_id or None}
            for f in files]


def uploaded_body(files: list[StoredFile]) -> dict[str, Any]:
    return {"success": True, "files": [{"fileId": f.id, "originalName": f.original_name, "size": f.size}
                                       for f in files]}


def task_body(task: Task, links: Links, *, start_call: bool) -> dict[str, Any]:
    """A task as a start call (pending while running) or a poll (running while running) reports it."""
    base_url = links.base_url
    head: dict[str, Any] = {"sessionId": task.session_id, "taskId": task.id}
    usage = usage_body(task.usage)
    if task.status is TaskStatus.COMPLETED and task.result is not None:
        message = task.result.message
        data = {"message": message, "files": _files(task, links), "network": _network(task)}
        if task.result.data is not None:
            data["output"] = task.result.data
        body = {"success": True, **head, "type": "task_completed", "status": "completed", "pending": False,
                "data": data,
                "result": {"type": "task_completed",
                           "data": {"message": message, "prompt_tokens": usage["prompt_tokens"],
                                    "completion_tokens": usage["completion_tokens"],
                                    "total_tokens": usage["total_tokens"],
                                    "completion_time": usage["completion_time"]}},
                "usage": usage}
        if task.completed_at:
            body["completedAt"] = task.completed_at.isoformat().replace("+00:00", "Z")
        return body
    if task.status is TaskStatus.FAILED:
        body = {"success": False, **head, "type": "task_failed", "status": "failed", "pending": False,
                "error": task.error or "The task failed.", "code": task.error_code or "INTERNAL_ERROR",
                "usage": usage}
        if task.completed_at:
            body["completedAt"] = task.completed_at.isoformat().replace("+00:00", "Z")
        return body
    if task.status is TaskStatus.GUARDRAIL:
        return {"success": True, **head, "type": "guardrail_trigger", "status": "guardrail", "pending": False,
                "data": guardrail_data(task), "usage": usage}
    if start_call:
        body = {"success": True, **head, "status": "pending", "pending": True, "pollUrl": poll_url(base_url, task),
                "message": "Task still running. Poll GET /task/:sessionId/:taskId for result."}
        if task.status is TaskStatus.QUEUED:
            body["queued"] = True
            body["message"] = "Task queued behind the running one. Poll GET /task/:sessionId/:taskId for result."
        return body
    status = "queued" if task.status is TaskStatus.QUEUED else "running"
    return {"success": True, **head, "status": status, "pending": True, "usage": usage}


def guardrail_data(task: Task) -> dict[str, Any]:
    data = {"type": "human_input_needed", "value": task.guardrail or ""}
    if task.guardrail_reason:
        data["reason"] = task.guardrail_reason
    data.update(task.guardrail_details)
    return data


def session_body(session: Session, initial: Task | None, links: Links, balance: float | None = None) -> dict[str, Any]:
    base_url = links.base_url
    body: dict[str, Any] = {
        "success": True,
        "sessionId": session.id,
        "socketURL": base_url,
        "streaming": {**links.streaming(session.id), "dimensions": dict(STREAM_DIMENSIONS)},
        "initialPrompt": initial.spec.task_details if initial else "",
        "expiresIn": session.expires_in_ms,
        "balance": None if balance is None else round(balance, 6),
        "message": "Connect to instance using sessionId in auth",
    }
    if initial is not None:
        task = task_body(initial, links, start_call=True)
        task.pop("success", None)
        body.update(task)
        body["success"] = True
    return body


def step_body(step: StepRecord, base_url: str, session_id: str) -> dict[str, Any]:
    shot = (f"{base_url}/task/{session_id}/{step.task_id}/steps/{step.number}/screenshot"
            if step.screenshot is not None or step.has_screenshot else None)
    return {"number": step.number, "url": step.url, "title": step.title, "thinking": step.thinking,
            "nextGoal": step.next_goal, "actions": step.actions, "results": step.results, "error": step.error,
            "inputTokens": step.input_tokens, "outputTokens": step.output_tokens, "screenshotUrl": shot,
            "createdAt": step.created_at.isoformat().replace("+00:00", "Z")}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def delivery_body(d: WebhookDelivery) -> dict[str, Any]:
    """A webhook delivery and its attempts; never its auth value nor the signing secret."""
    return {"deliveryId": d.id, "event": d.event.value, "name": d.name, "url": d.url, "submittedData": d.kind,
            "status": d.status.value, "attempts": d.attempts, "lastStatusCode": d.last_status_code,
            "lastError": d.last_error,
            "nextAttemptAt": _iso(d.next_at) if d.status is DeliveryStatus.PENDING else None,
            "createdAt": _iso(d.created_at), "deliveredAt": _iso(d.delivered_at)}


def error_body(message: str, code: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """WebRun's two error envelopes at once: {success, message} and {success, error, code, details}."""
    body: dict[str, Any] = {"success": False, "error": message, "message": message, "code": code}
    if details:
        body["details"] = details
    return body


def environment_body(env: Environment) -> dict[str, Any]:
    """An environment (profile) in WebRun's shape: `_id` (also as `id`), the owner as `userId`."""
    return {"_id": env.id, "id": env.id, "userId": env.account_id, "name": env.name, "description": env.description,
            "status": env.status.value, "blobSize": env.blob_size, "blobUploadedAt": _iso(env.blob_uploaded_at),
            "lastUsedAt": _iso(env.last_used_at), "usageCount": env.usage_count, "inUse": env.session_id is not None,
            "createdAt": _iso(env.created_at), "updatedAt": _iso(env.updated_at)}


def environment_file_body(file: StoredFile) -> dict[str, Any]:
    return {"fileId": file.id, "originalName": file.original_name, "size": file.size, "createdAt": _iso(file.created_at)}


def policy_body(policy: Policy) -> dict[str, Any]:
    return {"id": policy.id, **policy_document(policy), "createdAt": _iso(policy.created_at),
            "updatedAt": _iso(policy.updated_at)}


def audit_body(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": _iso(entry.at), "policyId": entry.policy_id, "sessionId": entry.session_id,
            "taskId": entry.task_id, "category": entry.category, "action": entry.action, "ruleId": entry.rule_id,
            "decision": entry.decision, "humanResponse": entry.human_response, "layer": entry.layer}
