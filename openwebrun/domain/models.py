"""Domain models: plain dataclasses, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openwebrun.domain.policies import Policy


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutputType(str, Enum):
    TEXT = "text"
    STRUCTURED_JSON = "structured_json"
    STRUCTURED_CSV = "structured_csv"


class TaskStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    GUARDRAIL = "guardrail"

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED)


class SessionStatus(str, Enum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Account:
    id: str
    name: str
    active: bool = True
    is_admin: bool = False
    created_at: datetime = field(default_factory=utcnow)
    balance: float | None = None  # USD; None: unlimited (the bootstrap admin account)
    session_limit: int | None = None  # live sessions at once; None: only the server's limit
    scopes: frozenset[str] = field(default=frozenset({"admin"}), compare=False)  # of the key the request came with
    key_id: str | None = field(default=None, compare=False)  # the key the request came with


SCOPES = ("admin", "task:create", "read")  # admin may do everything
DEFAULT_SCOPES = ("task:create", "read")


@dataclass
class DailyUsage:
    """What an account used on one day (UTC)."""

    account_id: str
    day: str  # YYYY-MM-DD
    tasks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    compute_seconds: float = 0.0
    proxied_bytes: int = 0
    cost: float = 0.0


@dataclass
class ApiKey:
    id: str
    account_id: str
    prefix: str
    name: str = ""
    revoked: bool = False
    created_at: datetime = field(default_factory=utcnow)
    scopes: tuple[str, ...] = DEFAULT_SCOPES


@dataclass
class SecretEntry:
    """Credentials for matching domains. Never persisted, never sent to the model."""

    match: str
    fields: dict[str, str]


@dataclass
class TaskSpec:
    """What a caller asked for; validated before it gets here."""

    task_details: str
    starting_point: str | None = None
    max_duration_ms: int = 300_000
    max_input_tokens: int = 100_000
    max_output_tokens: int = 100_000
    output_type: OutputType = OutputType.TEXT
    output_schema: Any = None
    terminate_on_completion: bool = False
    avoid_domains: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    webhook: dict | None = None
    secrets: list[SecretEntry] = field(default_factory=list)
    policy: Policy | None = None  # the session's automation policy (not stored with the task)

    def public_dict(self) -> dict:
        """Everything storable: secrets are left out."""
        return {
            "taskDetails": self.task_details,
            "startingPoint": self.starting_point,
            "maxDuration": self.max_duration_ms,
            "maxInputTokens": self.max_input_tokens,
            "maxOutputTokens": self.max_output_tokens,
            "outputType": self.output_type.value,
            "outputSchema": self.output_schema,
            "terminateOnCompletion": self.terminate_on_completion,
            "avoidDomains": list(self.avoid_domains),
            "files": list(self.files),
        }


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    compute_time: float = 0.0
    cost: float = 0.0  # everything: tokens, compute time, proxied bytes (pricing.Rates.apply)
    token_cost: float = 0.0  # the LLM's part
    proxy_bytes: int = 0  # bytes carried through the session's proxy while the task ran (both directions)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass
class VisitedUrl:
    url: str
    timestamp: float  # epoch milliseconds
    blocked: bool = False  # refused by the task's avoidDomains


@dataclass
class DownloadedFile:
    source: str
    filename: str
    path: str
    timestamp: float  # epoch milliseconds
    file_id: str = ""


@dataclass
class StoredFile:
    """A file kept for an account: uploaded by its owner (source None) or downloaded by a task."""

    id: str
    account_id: str
    original_name: str
    size: int
    sha256: str
    content_type: str = "application/octet-stream"
    source: str | None = None  # the URL a task downloaded it from
    task_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    environment_id: str | None = None  # kept in this environment


@dataclass
class TaskResult:
    message: str
    data: Any = None  # parsed JSON for structured_json, rows for structured_csv
    files: list[DownloadedFile] = field(default_factory=list)
    urls: list[VisitedUrl] = field(default_factory=list)


@dataclass
class Session:
    id: str
    account_id: str
    status: SessionStatus = SessionStatus.ACTIVE
    expires_in_ms: int = 300_000
    created_at: datetime = field(default_factory=utcnow)
    ended_at: datetime | None = None
    end_reason: str | None = None


@dataclass
class Task:
    id: str
    session_id: str
    account_id: str
    spec: TaskSpec
    status: TaskStatus = TaskStatus.RUNNING
    usage: Usage = field(default_factory=Usage)
    result: TaskResult | None = None
    error: str | None = None
    error_code: str | None = None
    guardrail: str | None = None  # the question the agent asked a person, while it waits
    guardrail_reason: str | None = None  # credentials, code, choice, confirmation, captcha, other, policy
    guardrail_details: dict[str, str] = field(default_factory=dict)  # policyId, ruleId of a policy guardrail
    created_at: datetime = field(default_factory=utcnow)
    completed_at: datetime | None = None


@dataclass
class StepRecord:
    task_id: str
    number: int
    url: str = ""
    title: str = ""
    thinking: str = ""
    next_goal: str = ""
    actions: list[dict] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    screenshot: bytes | None = None
    has_screenshot: bool = False  # set when read back without the image bytes
    created_at: datetime = field(default_factory=utcnow)
