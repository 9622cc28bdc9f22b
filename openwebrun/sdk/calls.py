"""The API's requests, one function per operation, shared by Client and AsyncClient.

Each returns a `Call`: the HTTP request and how its answer becomes a typed result. Adding an API
area (environments, policies, ...) means adding its calls here and a resource class in resources.
"""
from __future__ import annotations

import mimetypes
from os import PathLike
from pathlib import Path
from typing import Any

from openwebrun.sdk.models import (
    Step,
    UploadedFile,
    WebhookDelivery,
    session_of,
    task_of,
)
from openwebrun.sdk.transport import Call

SENT = "Message sent successfully"
# TaskConfig fields by their Python names (docs/api.md, TaskConfig); anything else passes as given.
TASK_FIELDS = {"prompt": "prompt", "starting_url": "startingUrl", "max_duration": "maxDuration",
               "max_input_tokens": "maxInputTokens", "max_output_tokens": "maxOutputTokens",
               "output_type": "outputType", "output_schema": "outputSchema",
               "terminate_on_completion": "terminateOnCompletion", "files": "files", "secrets": "secrets",
               "avoid_domains": "avoidDomains", "webhook": "webhook"}

# Fields of the start calls' body, beside the task (docs/api.md, Field generations).
BODY_FIELDS = {"environment_id": "environmentId", "profile_id": "profileId", "policy_id": "policyId"}

FileSource = str | PathLike[str] | tuple[str, bytes] | tuple[str, bytes, str]


def task_config(prompt: str | None = None, **fields: Any) -> dict[str, Any]:
    """A TaskConfig body from Python names (`starting_url=`) or wire names (`startingUrl=`); None is left out."""
    config = {"prompt": prompt} if prompt is not None else {}
    for name, value in fields.items():
        if value is not None:
            config[TASK_FIELDS.get(name, name)] = value
    return config


def _body_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split keyword arguments into body-level fields (environmentId, ...) and the task's."""
    level = {**BODY_FIELDS, **{wire: wire for wire in BODY_FIELDS.values()}}
    body = {level[k]: v for k, v in fields.items() if k in level and v is not None}
    task = {k: v for k, v in fields.items() if k not in level}
    return body, task


def start_session(prompt: str | None, expires_in: int | None, mode: str | None, fields: dict[str, Any]) -> Call:
    body, fields = _body_fields(fields)
    task = task_config(prompt, **fields)
    if task:
        body["task"] = task
    if expires_in is not None:
        body["expiresIn"] = expires_in
    if mode is not None:
        body["mode"] = mode
    return Call("POST", "/start/start-session", json=body, parse=session_of)


def run_task(prompt: str, mode: str | None, fields: dict[str, Any]) -> Call:
    body, fields = _body_fields(fields)
    body["task"] = task_config(prompt, **fields)
    if mode is not None:
        body["mode"] = mode
    return Call("POST", "/start/run-task", json=body, parse=task_of)


def send_message(session_id: str, message: dict[str, Any]) -> Call:
    return Call("POST", "/start/send-message", json={"sessionId": session_id, "message": message})


def new_task(session_id: str, prompt: str, fields: dict[str, Any]) -> Call:
    call = send_message(session_id, {"actionType": "newTask", **task_config(prompt, **fields)})
    call.parse = lambda body: task_of({"sessionId": session_id, **body})
    return call


def state(session_id: str, new_state: str) -> Call:
    return send_message(session_id, {"actionType": "state", "newState": new_state})


def interaction(session_id: str, kind: str, **fields: Any) -> Call:
    action = {"type": kind, **{k: v for k, v in fields.items() if v is not None}}
    return send_message(session_id, {"actionType": "interaction", "action": action})


def guardrail_answer(session_id: str, answer: str, stop: bool) -> Call:
    return send_message(session_id, {"actionType": "guardrail", "prompt": answer, "newState": "stop" if stop else "resume"})


def get_task(session_id: str, task_id: str) -> Call:
    return Call("GET", f"/task/{session_id}/{task_id}", auth=False, parse=task_of)


def steps(session_id: str, task_id: str) -> Call:
    return Call("GET", f"/task/{session_id}/{task_id}/steps",
                parse=lambda body: [Step.model_validate(step) for step in body["steps"]])


def screenshot(session_id: str, task_id: str, number: int) -> Call:
    return Call("GET", f"/task/{session_id}/{task_id}/steps/{number}/screenshot", binary=True)


def webhooks(session_id: str, task_id: str) -> Call:
    return Call("GET", f"/task/{session_id}/{task_id}/webhooks",
                parse=lambda body: [WebhookDelivery.model_validate(d) for d in body["deliveries"]])


def upload(sources: tuple[FileSource, ...]) -> Call:
    """Files as paths or (name, bytes[, content type]) tuples, read now so that a retry sends them again."""
    parts: list[tuple[str, tuple[str, bytes, str]]] = []
    for source in sources:
        if isinstance(source, tuple):
            name, content = source[0], source[1]
            kind = source[2] if len(source) > 2 else None  # type: ignore[misc]
        else:
            path = Path(source)
            name, content, kind = path.name, path.read_bytes(), None
        parts.append(("file", (name, content, kind or mimetypes.guess_type(name)[0] or "application/octet-stream")))
    if not parts:
        raise ValueError("upload needs at least one file")
    return Call("POST", "/files/upload", files=parts,
                parse=lambda body: [UploadedFile.model_validate(f) for f in body["files"]])


def download(file_id_or_url: str) -> Call:
    """A file by id (with the key) or by a signed `downloadUrl` (no key needed)."""
    path = file_id_or_url if "/" in file_id_or_url else f"/files/{file_id_or_url}"
    return Call("GET", path, binary=True)


def health() -> Call:
    return Call("GET", "/start/health", auth=False)
