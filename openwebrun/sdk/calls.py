"""The API's requests, one function per operation, shared by Client and AsyncClient.

Each returns a `Call`: the HTTP request and how its answer becomes a typed result. Adding an API
area means adding its calls here and a resource class in each client.
"""
from __future__ import annotations

import mimetypes
from os import PathLike
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from openwebrun.sdk.models import (
    AuditEntry,
    DownloadLink,
    Environment,
    EnvironmentFile,
    Policy,
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
BODY_FIELDS = {"environment_id": "environmentId", "profile_id": "profileId", "policy_id": "policyId",
               "reach_out_mode": "reachOutMode"}

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


def _file_part(source: FileSource) -> tuple[str, bytes, str]:
    """A path or a (name, bytes[, content type]) tuple, read now so that a retry sends it again."""
    if isinstance(source, tuple):
        name, content = source[0], source[1]
        kind = source[2] if len(source) > 2 else None  # type: ignore[misc]
    else:
        path = Path(source)
        name, content, kind = path.name, path.read_bytes(), None
    return name, content, kind or mimetypes.guess_type(name)[0] or "application/octet-stream"


def upload(sources: tuple[FileSource, ...], environment_id: str | None = None) -> Call:
    """Files as paths or (name, bytes[, content type]) tuples; with an environment id they are kept in it."""
    parts = [("file", _file_part(source)) for source in sources]
    if not parts:
        raise ValueError("upload needs at least one file")
    return Call("POST", "/files/upload", files=parts, data={"environmentId": environment_id} if environment_id else None,
                parse=lambda body: [UploadedFile.model_validate(f) for f in body["files"]])


def download(file_id_or_url: str) -> Call:
    """A file by id (with the key) or by a signed `downloadUrl` (no key needed)."""
    path = file_id_or_url if "/" in file_id_or_url else f"/files/{file_id_or_url}"
    return Call("GET", path, binary=True)


def health() -> Call:
    return Call("GET", "/start/health", auth=False)


# --- environments (/environments) and profiles (/profiles): one object under two names ---------------
EnvironmentKind = Literal["environments", "profiles"]
SINGULAR = {"environments": "environment", "profiles": "profile"}


def list_environments(kind: EnvironmentKind) -> Call:
    return Call("GET", f"/{kind}", parse=lambda body: [Environment.model_validate(e) for e in body[kind]])


def create_environment(kind: EnvironmentKind, name: str | None, description: str | None) -> Call:
    body = {k: v for k, v in {"name": name, "description": description}.items() if v is not None}
    return Call("POST", f"/{kind}", json=body, parse=lambda answer: Environment.model_validate(answer[SINGULAR[kind]]))


def delete_environment(kind: EnvironmentKind, env_id: str) -> Call:
    return Call("DELETE", f"/{kind}/{_segment(env_id)}")


def upload_environment(kind: EnvironmentKind, env_id: str, archive: FileSource) -> Call:
    """A .tar.gz of the browser state (as `download_environment` gives it), replacing the saved one."""
    name, content, _ = _file_part(archive)
    return Call("POST", f"/{kind}/{_segment(env_id)}/upload", files=[("file", (name, content, "application/gzip"))],
                parse=lambda answer: Environment.model_validate(answer[SINGULAR[kind]]))


def environment_files(env_id: str) -> Call:
    return Call("GET", f"/environments/{_segment(env_id)}/files",
                parse=lambda body: [EnvironmentFile.model_validate(f) for f in body["files"]])


def delete_environment_file(env_id: str, file_id: str) -> Call:
    return Call("DELETE", f"/environments/{_segment(env_id)}/files/{_segment(file_id)}")


def environment_link(kind: EnvironmentKind, env_id: str) -> Call:
    return Call("GET", f"/{kind}/{_segment(env_id)}/download", parse=DownloadLink.model_validate)


# --- policies (/policies) --------------------------------------------------------------------------


def policy_document(fields: dict[str, Any]) -> dict[str, Any]:
    """A policy body from Python names (`llm_role=`, `action_rules=[ActionRule(...)]`) or wire names; None is left out."""
    return {to_camel(name): _wire(value) for name, value in fields.items() if value is not None}


def _wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    return value


def _policy(body: dict[str, Any]) -> Policy:
    return Policy.model_validate(body["policy"])


def list_policies() -> Call:
    return Call("GET", "/policies", parse=lambda body: [Policy.model_validate(p) for p in body["policies"]])


def create_policy(document: dict[str, Any]) -> Call:
    return Call("POST", "/policies", json=document, parse=_policy)


def get_policy(policy_id: str) -> Call:
    return Call("GET", f"/policies/{_segment(policy_id)}", parse=_policy)


def replace_policy(policy_id: str, document: dict[str, Any]) -> Call:
    return Call("PUT", f"/policies/{_segment(policy_id)}", json=document, parse=_policy)


def delete_policy(policy_id: str) -> Call:
    return Call("DELETE", f"/policies/{_segment(policy_id)}")


def policy_templates() -> Call:
    return Call("GET", "/policies/templates", parse=lambda body: body["templates"])


def policy_audit(policy_id: str | None, session_id: str | None, since: str | None, until: str | None) -> Call:
    """The decisions of one policy (deleted ones too), or of all the account's policies when policy_id is None."""
    params = {k: v for k, v in {"policyId": policy_id, "sessionId": session_id, "since": since,
                                "until": until}.items() if v is not None}
    return Call("GET", "/policies/audit", params=params or None,
                parse=lambda body: [AuditEntry.model_validate(e) for e in body["entries"]])


def _segment(value: str) -> str:
    """An id as one path segment (a slash or a dot-dot in it cannot reach another route)."""
    return quote(value, safe="")
