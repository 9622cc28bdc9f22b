"""Typed results of the SDK (pydantic). Field names are snake_case; the wire's camelCase is read too.

Every model keeps fields it does not know (`model_extra`), so a newer server loses nothing.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

TaskStatus = Literal["pending", "queued", "running", "guardrail", "completed", "failed"]
FINISHED = ("completed", "failed")


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Usage(Model):
    input_tokens: int = 0
    output_tokens: int = 0
    compute_time: float = 0.0
    cost: float | None = None


class TaskFile(Model):
    """A file the agent downloaded; `download_url` is a signed link that needs no key."""
    file_id: str | None = None
    filename: str | None = None
    source: str | None = None
    download_url: str | None = None
    timestamp: float | None = None


class TaskData(Model):
    """`data` of a task: the result when completed, the question when it is a guardrail."""
    message: str | None = None
    output: Any = None
    files: list[TaskFile] = []
    network: list[dict[str, Any]] = []
    type: str | None = None
    value: str | None = None
    reason: str | None = None


class Guardrail(BaseModel):
    """The agent's question to a person (`reason`: credentials, code, choice, confirmation, captcha, other)."""
    question: str
    reason: str | None = None


class Task(Model):
    session_id: str
    task_id: str | None = None
    status: str | None = None
    pending: bool = False
    success: bool = True
    type: str | None = None
    queued: bool = False
    data: TaskData | None = None
    usage: Usage | None = None
    error: str | None = None
    code: str | None = None
    poll_url: str | None = None
    completed_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def guardrail(self) -> Guardrail | None:
        """The open question when the task waits for a person, else None."""
        if self.status != "guardrail" or self.data is None:
            return None
        return Guardrail(question=self.data.value or "", reason=self.data.reason)

    @property
    def message(self) -> str | None:
        """The result text of a completed task."""
        return self.data.message if self.data else None

    @property
    def output(self) -> Any:
        """The parsed result of a structured task (JSON value, or the CSV rows)."""
        return self.data.output if self.data else None


class Dimensions(Model):
    width: int
    height: int


class Streaming(Model):
    web_view_url: str | None = None
    web_rtc_url: str | None = Field(default=None, alias="webRTCURL")
    dimensions: Dimensions | None = None


class Session(Model):
    """A started session; `task` is its first task when one was given."""
    session_id: str
    socket_url: str | None = Field(default=None, alias="socketURL")
    streaming: Streaming | None = None
    initial_prompt: str | None = None
    expires_in: int | None = None
    task: Task | None = None


class Step(Model):
    number: int
    url: str | None = None
    title: str | None = None
    thinking: str | None = None
    next_goal: str | None = None
    actions: list[dict[str, Any]] = []
    results: list[Any] = []
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    screenshot_url: str | None = None
    created_at: str | None = None


class WebhookDelivery(Model):
    delivery_id: str
    event: str
    name: str | None = None
    url: str | None = None
    submitted_data: str | None = None
    status: str
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    created_at: str | None = None
    delivered_at: str | None = None


class UploadedFile(Model):
    file_id: str
    original_name: str
    size: int


class Event(Model):
    """A session event (docs/api.md, Socket): `type` is agent, action, response_update, task_completed,
    error, guardrail_trigger or end_session; `raw` is the payload as sent."""
    type: str
    session_id: str | None = None
    task_id: str | None = None
    seq: int | None = None
    timestamp: float | None = None
    content: str | None = None
    data: Any = None
    reason: str | None = None
    code: str | None = None
    error: str | None = None
    raw: dict[str, Any] = {}

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Event:
        return cls.model_validate({**payload, "raw": payload})


def task_of(body: dict[str, Any]) -> Task:
    return Task.model_validate(body)


def session_of(body: dict[str, Any]) -> Session:
    session = Session.model_validate(body)
    if body.get("taskId"):
        session.task = Task.model_validate(body)
    return session


class Environment(Model):
    """A saved browser state (cookies, storage, files) that sessions start from; a profile is the same object.
    `status` is `empty` until a session saved into it or an archive was uploaded, then `ready`."""
    id: str = Field(validation_alias=AliasChoices("id", "_id"))
    user_id: str | None = None
    name: str | None = None
    description: str | None = None
    status: str | None = None
    blob_size: int = 0
    blob_uploaded_at: str | None = None
    last_used_at: str | None = None
    usage_count: int = 0
    in_use: bool = False
    created_at: str | None = None
    updated_at: str | None = None


class EnvironmentFile(Model):
    file_id: str
    original_name: str
    size: int
    created_at: str | None = None


class DownloadLink(Model):
    """A signed link to an environment's archive (no key needed until `expires_at`)."""
    download_url: str
    expires_at: str | None = None


class DomainEntry(Model):
    pattern: str
    action: str | None = None
    id: str | None = None


class DomainRules(Model):
    mode: str = "allow_all"
    entries: list[DomainEntry] = []


class ActionRule(Model):
    """One rule: `category`, `permission` and what it matches (`url_pattern` for navigation, else
    `scope`, `match_type` and `match`)."""
    category: str
    permission: str
    id: str | None = None
    url_pattern: str | None = None
    scope: str | None = None
    match_type: str | None = None
    match: str | None = None


class Policy(Model):
    """An automation policy (docs/policies.md); pass `policy_id=policy.id` when starting a session."""
    id: str
    name: str
    description: str | None = None
    status: str = "active"
    llm_role: str | None = None
    domain_rules: DomainRules = DomainRules()
    action_rules: list[ActionRule] = []
    default_action: str = "allow"
    created_at: str | None = None
    updated_at: str | None = None

    def document(self) -> dict[str, Any]:
        """The policy as the API takes it (camelCase, without id and times): edit it and send it back."""
        return self.model_dump(by_alias=True, exclude_none=True, exclude={"id", "created_at", "updated_at"})


class AuditEntry(Model):
    """One decision of a policy: `decision` is allow, block or guardrail (with the person's `human_response`)."""
    id: str | None = None
    at: str | None = None
    policy_id: str | None = None
    session_id: str | None = None
    task_id: str | None = None
    category: str | None = None
    action: str | None = None
    rule_id: str | None = None
    decision: str | None = None
    human_response: str | None = None
    layer: str | None = None
