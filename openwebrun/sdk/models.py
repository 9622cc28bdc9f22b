"""Typed results of the SDK (pydantic). Field names are snake_case; the wire's camelCase is read too.

Every model keeps fields it does not know (`model_extra`), so a newer server loses nothing.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
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
