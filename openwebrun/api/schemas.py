"""Wire schemas of the native API (WebRun field names, camelCase) and their mapping to domain specs."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openwebrun.domain.models import OutputType, SecretEntry, TaskSpec


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SecretIn(Wire):
    match: str = Field(min_length=1)
    fields: dict[str, str]


class WebhookIn(Wire):
    name: str
    url: str
    auth: str | None = None
    submittedData: Literal["ai_response", "full_response", "just_ping"] = "ai_response"


class TaskConfigIn(Wire):
    taskDetails: str | None = None
    startingPoint: str | None = None
    startingUrl: str | None = None
    maxDuration: int = Field(300_000, ge=1000, le=300_000)
    maxInputTokens: int = Field(100_000, ge=0, le=100_000)
    maxOutputTokens: int = Field(100_000, ge=0, le=100_000)
    terminateOnCompletion: bool = False
    outputType: OutputType = OutputType.TEXT
    outputSchema: Any = None
    avoidDomains: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    webhook: WebhookIn | None = None
    secrets: list[SecretIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs_details(self) -> "TaskConfigIn":
        if not (self.taskDetails or "").strip():
            raise ValueError("taskDetails is required")
        if self.outputType is not OutputType.TEXT and self.outputSchema is None:
            raise ValueError(f"outputSchema is required when outputType is {self.outputType.value}")
        return self

    def to_spec(self) -> TaskSpec:
        return TaskSpec(
            task_details=(self.taskDetails or "").strip(),
            starting_point=self.startingPoint or self.startingUrl,
            max_duration_ms=self.maxDuration,
            max_input_tokens=self.maxInputTokens,
            max_output_tokens=self.maxOutputTokens,
            output_type=self.outputType,
            output_schema=self.outputSchema,
            terminate_on_completion=self.terminateOnCompletion,
            avoid_domains=list(self.avoidDomains),
            files=list(self.files),
            webhook=self.webhook.model_dump() if self.webhook else None,
            secrets=[SecretEntry(s.match, dict(s.fields)) for s in self.secrets],
        )


class SessionOptionsIn(Wire):
    profileId: str | None = None
    environmentId: str | None = None
    policyId: str | None = None
    proxy: dict[str, Any] | None = None
    mode: str = "default"


class StartSessionIn(SessionOptionsIn):
    initialTask: TaskConfigIn | None = None
    expiresIn: int | None = Field(None, ge=1000, le=86_400_000)


class RunTaskIn(SessionOptionsIn, TaskConfigIn):
    pass


class SendMessageIn(Wire):
    sessionId: str = Field(min_length=1)
    message: dict[str, Any]


class NewTaskMessage(TaskConfigIn):
    actionType: Literal["newTask"]
    newState: Literal["start"] = "start"


class StateMessage(Wire):
    actionType: Literal["state"]
    newState: Literal["pause", "resume", "stop", "terminate", "manual"]  # manual: an alias of takeOverControl


class ControlAction(Wire):
    type: Literal["takeOverControl", "releaseControl"]


class PointAction(Wire):
    type: Literal["CLICK", "DOUBLE_CLICK"]
    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)


class TypeAction(Wire):
    type: Literal["TYPE"]
    text: str = Field(max_length=10_000)
    humanLike: bool = False


class KeyAction(Wire):
    type: Literal["KEY_PRESS"]
    key: str = Field(min_length=1, max_length=100)


class InteractionMessage(Wire):
    actionType: Literal["interaction"]
    action: Annotated[ControlAction | PointAction | TypeAction | KeyAction, Field(discriminator="type")]


class GuardrailMessage(Wire):
    actionType: Literal["guardrail"]
    taskDetails: str | None = Field(None, max_length=100_000)
    prompt: str | None = Field(None, max_length=100_000)
    newState: Literal["resume", "stop"] = "resume"

    @property
    def answer(self) -> str:
        return (self.prompt if self.prompt is not None else self.taskDetails) or ""
