"""Wire schemas of the native API (WebRun field names, camelCase) and their mapping to domain specs."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import partial
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    Strict,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonValue

from openwebrun.domain.models import OutputType, SecretEntry, TaskSpec
from openwebrun.domain.reach_out import ReachOutMode, checked_reach_out_mode
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
ReachOutModeIn = Annotated[ReachOutMode | None, BeforeValidator(partial(checked_reach_out_mode, name="reachOutMode"))]

# What the model validators below enforce, stated in the OpenAPI document as JSON Schema.
_OUTPUT_SCHEMA_RULES: list[JsonValue] = [
    {"if": {"required": ["outputType"], "properties": {"outputType": {"enum": ["structured_json", "structured"]}}},
     "then": {"required": ["outputSchema"], "properties": {"outputSchema": {"type": "object"}}}},
    {"if": {"required": ["outputType"], "properties": {"outputType": {"const": "structured_csv"}}},
     "then": {"required": ["outputSchema"], "properties": {"outputSchema": {
         "type": "array", "minItems": 1, "uniqueItems": True,
         "items": {"type": "string", "pattern": NON_BLANK_PATTERN}}}}},
]


# Where a request may carry its task's fields (WebRun renamed them twice; every generation is accepted):
# the text is the first non-blank `prompt`, then `taskDetails`; the URL `startingUrl`, then `startingPoint`.
TEXT_KEYS = ("prompt", "taskDetails")
OLD_OUTPUT_TYPE = "structured"  # the oldest name of structured_json


def _text_at(level: str, key: str) -> JsonDict:
    """JSON Schema: a non-blank `key` in the body (level "") or in its object `level`."""
    here: JsonDict = {"required": [key], "properties": {key: {"type": "string", "pattern": NON_BLANK_PATTERN}}}
    return here if not level else {"required": [level], "properties": {level: {"type": "object", **here}}}


def _document_task(schema: JsonDict, cls: type[BaseModel]) -> None:
    """State in the OpenAPI document what the task validators below accept."""
    properties = schema.get("properties")
    documented = properties.get("outputType") if isinstance(properties, dict) else None
    if isinstance(properties, dict) and isinstance(documented, dict):
        properties["outputType"] = {"anyOf": [{k: v for k, v in documented.items() if k != "default"},
                                              {"const": OLD_OUTPUT_TYPE, "description": "read as structured_json"}],
                                    "default": documented.get("default", OutputType.TEXT.value)}
    rules = list(_OUTPUT_SCHEMA_RULES)
    levels: tuple[str, ...] = getattr(cls, "text_levels", ())
    if levels:
        rules.append({"anyOf": [_text_at(level, key) for level in levels for key in TEXT_KEYS]})
    schema["allOf"] = rules


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
    name: Annotated[str, Strict(), Field(max_length=255)]
    url: Annotated[str, Strict(), Field(max_length=2048, json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"})]
    auth: Annotated[str, Strict(), Field(max_length=4096)] | None = None
    submittedData: Literal["ai_response", "full_response", "just_ping"] = "ai_response"

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        try:
            ipaddress.ip_address(parts.hostname)
        except ValueError:
            try:
                parts.hostname.encode("idna")
            except UnicodeError:
                raise ValueError("the host is not a valid domain name") from None
        return value.strip()


class TaskConfigIn(Wire):
    """A task's fields, flat: the run-task body and newTask message of every generation."""
    model_config = ConfigDict(json_schema_extra=_document_task)
    # Where the task text must be found ("" = this object); () = it may be missing here.
    text_levels: ClassVar[tuple[str, ...]] = ("",)

    prompt: str | None = None
    taskDetails: str | None = None
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

    @model_validator(mode="before")
    @classmethod
    def _older_values(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("outputType") == OLD_OUTPUT_TYPE:
            return {**data, "outputType": OutputType.STRUCTURED_JSON.value}
        return data

    @model_validator(mode="after")
    def _needs_details(self) -> TaskConfigIn:
        if self.text_levels == ("",) and self.text is None:  # this object is the text's only place
            raise ValueError("prompt or taskDetails is required")
        if self.outputType is not OutputType.TEXT and self.outputSchema is None:
            raise ValueError(f"outputSchema is required when outputType is {self.outputType.value}")
        return self

    @property
    def text(self) -> str | None:
        """The task text: the first non-blank of `prompt` and `taskDetails`, stripped."""
        return next((strip_blank(t) for t in (self.prompt, self.taskDetails) if t and not is_blank(t)), None)

    @property
    def url(self) -> str | None:
        return self.startingUrl or self.startingPoint or None

    def to_spec(self) -> TaskSpec:
        return TaskSpec(
            task_details=self.text or "",
            starting_point=self.url,
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


class NestedTaskIn(TaskConfigIn):
    """A task object in a start-session or run-task body (`task`, or `initialTask`); its text may
    be given at another level, or (on start-session) not at all."""
    model_config = ConfigDict(json_schema_extra=_document_task)
    text_levels: ClassVar[tuple[str, ...]] = ()


def merge_levels(levels: Iterable[TaskConfigIn | None]) -> TaskConfigIn:
    """One task from the levels of a body, highest priority first (`task`, `initialTask`, the body):
    the text and the URL as the first level gives them, every other field from the first level that
    sets it (`outputSchema` with its `outputType`). Its `text` is None when no level has one."""
    given = [level for level in levels if level is not None]
    text = next((t for level in given if (t := level.text) is not None), None)
    fields: dict[str, Any] = {}
    for level in reversed(given):
        chosen = set(TaskConfigIn.model_fields) & level.model_fields_set
        if "outputType" in chosen:
            chosen.add("outputSchema")
        elif "outputType" in fields:
            chosen.discard("outputSchema")
        fields.update({name: getattr(level, name) for name in chosen})
    url = next((u for level in given if (u := level.url) is not None), None)
    fields.update(prompt=None, taskDetails=text, startingUrl=url, startingPoint=None)
    return TaskConfigIn.model_construct(**fields)


def _port(value: Any) -> Any:
    """The reference sends the port as a string ("8080"); a number is taken too."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return _whole(value)


ProxyPort = Annotated[int, Field(ge=1, le=65535), BeforeValidator(_port), Strict()]


class ProxyIn(Wire):
    """A session's proxy: the caller's own (custom) or one of the server's pool by country (WebRun)."""

    source: Literal["custom", "WebRun"]
    type: Literal["http", "socks"] | None = None
    host: Annotated[StrictStr, Field(min_length=1, max_length=253)] | None = None
    port: ProxyPort | None = None
    username: Annotated[StrictStr, Field(max_length=255)] | None = None
    password: Annotated[SecretStr, Field(max_length=255)] | None = None  # never shown, logged or stored
    country: Annotated[StrictStr, Field(pattern="^([A-Za-z]{2}|random)$")] | None = None
    level: Literal["chrome", "system"] = "chrome"

    @model_validator(mode="after")
    def _fields_of_source(self) -> ProxyIn:
        if self.source == "custom":
            missing = [name for name in ("type", "host", "port") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"proxy.{missing[0]} is required for a custom proxy")
            assert self.host is not None
            if domain_problem(self.host) and not _is_ip(self.host):
                raise ValueError("proxy.host must be a host name or an IP address")
            if self.password is not None and self.username is None:
                raise ValueError("proxy.username is required with proxy.password")
        elif self.country is None:
            raise ValueError('proxy.country is required for a WebRun proxy (an ISO country code such as "US", or "random")')
        return self


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class SessionOptionsIn(Wire):
    """The session's own fields, beside its first task."""

    profileId: str | None = Field(None, max_length=64, description="The same as environmentId (the older name)")
    environmentId: str | None = Field(None, max_length=64, description="Start from this environment's browser "
                                      "state; it is saved back when the session ends")
    policyId: str | None = None
    proxy: ProxyIn | None = None
    mode: str = Field("default", json_schema_extra={"enum": ["default"]})
    reachOutMode: ReachOutModeIn = Field(None, description="off, guardrail_only (default) or full: accepted for WebRun "
                                                 "clients; openwebrun has no chat channels, so questions and results "
                                                 "reach you through the API, the socket and webhooks in every mode")

    @model_validator(mode="after")
    def _one_environment(self) -> SessionOptionsIn:
        if self.profileId and self.environmentId and self.profileId != self.environmentId:
            raise ValueError("profileId and environmentId name the same thing: send one (or the same id in both)")
        return self

    @property
    def environment_id(self) -> str | None:
        return self.environmentId or self.profileId or None


class StartSessionIn(SessionOptionsIn, NestedTaskIn):
    """The first task in `task`, `initialTask` or flat in the body; without text, an idle session."""
    model_config = ConfigDict(json_schema_extra=_document_task)

    task: NestedTaskIn | None = None
    initialTask: NestedTaskIn | None = None
    expiresIn: ExpiresInMs | None = None

    def initial_task(self) -> TaskConfigIn:
        """The first task; without text (`text` None) the session starts idle."""
        return merge_levels((self.task, self.initialTask, self))


class RunTaskIn(SessionOptionsIn, NestedTaskIn):
    """The task flat in the body, or nested in `task` (or `initialTask`) beside the session options."""
    model_config = ConfigDict(json_schema_extra=_document_task)
    text_levels: ClassVar[tuple[str, ...]] = ("", "task", "initialTask")

    task: NestedTaskIn | None = None
    initialTask: NestedTaskIn | None = None

    @model_validator(mode="after")
    def _needs_text(self) -> RunTaskIn:
        if self.merged().text is None:
            raise ValueError("prompt or taskDetails is required (in the body, or in task)")
        return self

    def merged(self) -> TaskConfigIn:
        return merge_levels((self.task, self.initialTask, self))

    def to_spec(self) -> TaskSpec:
        return self.merged().to_spec()


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


Permission = Literal["allow", "block", "guardrail"]
RuleId = Annotated[StrictStr, Field(pattern="^[A-Za-z0-9_.:-]{1,64}$")]


class DomainEntryIn(Wire):
    id: RuleId | None = None
    pattern: Annotated[StrictStr, Field(min_length=1, max_length=255,
                                        description="example.com, *.example.com (subdomains) or *example.com (suffix)")]
    action: Permission | None = Field(None, description="block or guardrail; on an allowlist also allow (the default)")


class DomainRulesIn(Wire):
    mode: Literal["allow_all", "allowlist", "blocklist"] = "allow_all"
    entries: list[DomainEntryIn] = Field(default_factory=list, max_length=1000)


class ActionRuleIn(Wire):
    id: RuleId | None = None
    category: Annotated[StrictStr, Field(description="navigation, click, type, file_download, file_upload, form_submit, "
                                                     "screenshot, shell_command, clipboard, tab_management, scroll, "
                                                     "mouse_move (or WebRun's labels, e.g. \"Type / Keyboard\")")]
    permission: Permission
    urlPattern: Annotated[StrictStr, Field(max_length=2048)] | None = Field(
        None, description="navigation rules: a glob over the whole URL, e.g. */admin/*")
    scope: Literal["all", "target", "page", "All", "Target", "Page"] | None = None
    matchType: Literal["keyword", "regex", "detector", "Keyword", "Regex", "Detector"] | None = None
    match: Annotated[StrictStr, Field(max_length=2000)] | None = Field(
        None, description="the keyword, the regular expression, or a detector: card_number, iban, us_ssn, email, "
                          "phone, api_key")


class PolicyIn(Wire):
    """An automation policy (docs/policies.md)."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=255, pattern=NON_BLANK_PATTERN)]
    description: Annotated[StrictStr, Field(max_length=10_000)] | None = None
    status: Literal["active", "draft"] = "active"
    llmRole: Annotated[StrictStr, Field(max_length=2000)] | None = None
    domainRules: DomainRulesIn | None = None
    actionRules: list[ActionRuleIn] = Field(default_factory=list, max_length=500)
    defaultAction: Permission = "allow"

    def document(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)
