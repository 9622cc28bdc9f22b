"""Wire schemas of the native API (WebRun field names, camelCase) and their mapping to domain specs."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StrictStr, model_validator
from pydantic.json_schema import JsonDict

from openwebrun.domain.models import OutputType, SecretEntry, TaskSpec
from openwebrun.domain.site_rules import domain_problem, normal_host
from openwebrun.domain.text import NON_BLANK_PATTERN, is_blank, strip_blank


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# JSON Schema integers within bounds: 3 or 3.0, never "3" or true (bounds before the validator,
# so that the OpenAPI document shows them as minimum / maximum).
DurationMs = Annotated[int, Field(ge=1000, le=300_000), BeforeValidator(_whole), Strict()]
TokenLimit = Annotated[int, Field(ge=0, le=100_000), BeforeValidator(_whole), Strict()]
ExpiresInMs = Annotated[int, Field(ge=1000, le=86_400_000), BeforeValidator(_whole), Strict()]
StrictBool = Annotated[bool, Strict()]

# What the model validators below enforce, stated in the OpenAPI document as JSON Schema.
_OUTPUT_SCHEMA_RULES: JsonDict = {"allOf": [
    {"if": {"required": ["outputType"], "properties": {"outputType": {"const": "structured_json"}}},
     "then": {"required": ["outputSchema"], "properties": {"outputSchema": {"type": "object"}}}},
    {"if": {"required": ["outputType"], "properties": {"outputType": {"const": "structured_csv"}}},
     "then": {"required": ["outputSchema"], "properties": {"outputSchema": {
         "type": "array", "minItems": 1, "uniqueItems": True,
         "items": {"type": "string", "pattern": NON_BLANK_PATTERN}}}}},
]}


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _match_pattern(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("match must not be empty: a host (github.com), *.example.com or all")
    rest = value[2:] if value.startswith("*.") else value
    if value.lower() != "all" and (domain_problem(rest) or "*" in rest or not normal_host(rest)):
        raise ValueError(f"match {value!r} must be a host (github.com), *.example.com or all")
    return value


def _avoided_domain(value: str) -> str:
    if problem := domain_problem(value):
        raise ValueError(f"{value!r} {problem}")
    return value.strip()


class SecretIn(Wire):
    match: Annotated[StrictStr, AfterValidator(_match_pattern)]
    fields: dict[Annotated[StrictStr, Field(min_length=1)], StrictStr]


class WebhookIn(Wire):
    name: str
    url: str
    auth: str | None = None
    submittedData: Literal["ai_response", "full_response", "just_ping"] = "ai_response"


class TaskConfigIn(Wire):
    model_config = ConfigDict(json_schema_extra=_OUTPUT_SCHEMA_RULES)

    taskDetails: str = Field(json_schema_extra={"pattern": NON_BLANK_PATTERN})
    startingPoint: str | None = None
    startingUrl: str | None = None
    maxDuration: DurationMs = 300_000
    maxInputTokens: TokenLimit = 100_000
    maxOutputTokens: TokenLimit = 100_000
    terminateOnCompletion: StrictBool = False
    outputType: OutputType = OutputType.TEXT
    outputSchema: Any = None
    avoidDomains: list[Annotated[StrictStr, AfterValidator(_avoided_domain)]] = Field(default_factory=list)
    files: list[Annotated[str, Field(json_schema_extra={"pattern": "^[0-9a-f]{32}$"})]] = Field(default_factory=list)
    webhook: WebhookIn | None = None
    secrets: list[SecretIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs_details(self) -> TaskConfigIn:
        if is_blank(self.taskDetails):
            raise ValueError("taskDetails is required")
        if self.outputType is not OutputType.TEXT and self.outputSchema is None:
            raise ValueError(f"outputSchema is required when outputType is {self.outputType.value}")
        return self

    def to_spec(self) -> TaskSpec:
        return TaskSpec(
            task_details=strip_blank(self.taskDetails),
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
    proxy: dict[str, Any] | None = Field(None, json_schema_extra={"maxProperties": 0})  # not supported yet
    mode: str = Field("default", json_schema_extra={"enum": ["default"]})


class StartSessionIn(SessionOptionsIn):
    initialTask: TaskConfigIn | None = None
    expiresIn: ExpiresInMs | None = None


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
