"""The answers of the native API as OpenAPI models, for the document and generated clients.

The bodies themselves are built in presenters.py; these models only describe them (routes use
`responses=`, not `response_model`, so nothing is filtered). Every refusal has ErrorBody.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Doc(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(Doc):
    success: Literal[False]
    error: str = Field(description="what went wrong, for a person")
    message: str = Field(description="the same text as `error` (WebRun's other error envelope)")
    code: str = Field(description="a stable code: VALIDATION_ERROR, UNAUTHORIZED, TASK_NOT_FOUND, ...")
    details: dict[str, Any] | None = Field(None, description="more for a program: INSUFFICIENT_BALANCE has "
                                                            "`balance`, SESSION_LIMIT_REACHED `current` and `limit`")


class UsageBody(Doc):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    completion_time: float = Field(description="seconds")
    cost: float = Field(description="US dollars")
    inputTokens: int
    outputTokens: int
    computeTime: float
    proxyBytes: int = Field(description="bytes carried through the session's proxy while the task ran")


class TaskFile(Doc):
    source: str
    downloadUrl: str | None
    filename: str
    timestamp: float = Field(description="epoch milliseconds")
    fileId: str | None


class VisitedUrl(Doc):
    url: str
    timestamp: float
    blocked: bool | None = Field(None, description="true when the task's avoidDomains blocked this URL")


class NetworkEntry(Doc):
    id: str
    taskId: str
    urls: list[VisitedUrl]


class CompletedData(Doc):
    message: str
    files: list[TaskFile]
    network: list[NetworkEntry]
    output: Any = Field(None, description="the parsed result of structured_json / structured_csv")


class ResultData(Doc):
    message: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    completion_time: float


class ResultBody(Doc):
    type: Literal["task_completed"]
    data: ResultData


class TaskCompleted(Doc):
    success: Literal[True]
    sessionId: str
    taskId: str
    type: Literal["task_completed"]
    status: Literal["completed"]
    pending: Literal[False]
    data: CompletedData
    result: ResultBody
    usage: UsageBody
    completedAt: str | None = None


class TaskFailed(Doc):
    success: Literal[False]
    sessionId: str
    taskId: str
    type: Literal["task_failed"]
    status: Literal["failed"]
    pending: Literal[False]
    error: str
    code: str = Field(description="NAVIGATION_TIMEOUT, MAX_DURATION_EXCEEDED, LLM_ERROR, ... (docs/api.md)")
    usage: UsageBody
    completedAt: str | None = None


class GuardrailData(Doc):
    type: Literal["human_input_needed"]
    value: str


class TaskGuardrail(Doc):
    success: Literal[True]
    sessionId: str
    taskId: str
    type: Literal["guardrail_trigger"]
    status: Literal["guardrail"]
    pending: Literal[True]
    data: GuardrailData
    usage: UsageBody


class TaskPending(Doc):
    """A start call whose task did not finish within the wait window."""

    success: Literal[True]
    sessionId: str
    taskId: str
    status: Literal["pending"]
    pending: Literal[True]
    pollUrl: str
    message: str


class TaskRunning(Doc):
    """A poll of an unfinished task (usage so far)."""

    success: Literal[True]
    sessionId: str
    taskId: str
    status: Literal["running"]
    pending: Literal[True]
    usage: UsageBody


TaskStarted = Annotated[TaskCompleted | TaskFailed | TaskGuardrail | TaskPending, Field(discriminator="status")]
TaskPolled = Annotated[TaskCompleted | TaskFailed | TaskGuardrail | TaskRunning, Field(discriminator="status")]


class Dimensions(Doc):
    width: int
    height: int


class Streaming(Doc):
    webViewURL: str = Field(description="A page that plays the session live and lets a person take over "
                                        "(carries the session's view token; embeddable in an iframe).")
    webRTCURL: str = Field(description="The WHEP endpoint of the same stream: POST an SDP offer "
                                       "(application/sdp), get the answer (201).")
    dimensions: Dimensions


class SessionStarted(Doc):
    """A new session; with a first task (`task`, `initialTask` or flat), its fields (as in run-task) are merged in."""

    success: Literal[True]
    sessionId: str
    streaming: Streaming
    initialPrompt: str
    expiresIn: int
    balance: float | None = Field(description="the account's balance in USD when the session started; "
                                              "null: unlimited")
    message: str
    taskId: str | None = None
    status: Literal["pending", "completed", "failed", "guardrail"] | None = None
    pending: bool | None = None
    pollUrl: str | None = None
    type: str | None = None
    data: dict[str, Any] | None = None
    result: ResultBody | None = None
    usage: UsageBody | None = None
    error: str | None = None
    code: str | None = None
    completedAt: str | None = None


class MessageSent(Doc):
    success: Literal[True]
    message: str


class StepBody(Doc):
    number: int
    url: str
    title: str
    thinking: str
    nextGoal: str
    actions: list[dict[str, Any]]
    results: list[str]
    error: str | None
    inputTokens: int
    outputTokens: int
    screenshotUrl: str | None
    createdAt: str


class StepsBody(Doc):
    success: Literal[True]
    sessionId: str
    taskId: str
    steps: list[StepBody]


class WebhookDeliveryBody(Doc):
    deliveryId: str = Field(description="sent as X-Webrun-Delivery: the same on every attempt, for de-duplication")
    event: Literal["task_completed", "task_failed", "guardrail_trigger"]
    name: str
    url: str
    submittedData: Literal["ai_response", "full_response", "just_ping"]
    status: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    lastStatusCode: int | None = Field(description="the receiver's answer to the last attempt; null: no answer")
    lastError: str | None
    nextAttemptAt: str | None = Field(description="when the next attempt is due (pending only)")
    createdAt: str
    deliveredAt: str | None


class WebhooksBody(Doc):
    success: Literal[True]
    sessionId: str
    taskId: str
    deliveries: list[WebhookDeliveryBody]


class UploadedFile(Doc):
    fileId: str
    originalName: str
    size: int


class Uploaded(Doc):
    success: Literal[True]
    files: list[UploadedFile]


class LiveViewCounts(Doc):
    screencasts: int = Field(description="Sessions whose screencast runs now (only watched ones).")
    viewers: int = Field(description="Viewers of all sessions: WHEP peers and JPEG streams.")
    whepViewers: int
    encoders: int = Field(description="Video encoders running: one per watched session and codec, shared by its WHEP viewers.")


class WorkerHealth(Doc):
    id: str = Field(description="the worker's Ray node id")
    address: str
    slots: int
    freeSlots: int


class Health(Doc):
    success: Literal[True]
    status: Literal["healthy"]
    instancesAvailable: bool
    instanceCount: int
    liveView: LiveViewCounts
    workers: list[WorkerHealth] | None = Field(None, description="cluster mode: each worker and its free session slots")
    timestamp: str


class EnvironmentDoc(Doc):
    id_: str = Field(alias="_id", description="the environment id (the same as `id`)")
    id: str
    userId: str
    name: str
    description: str
    status: Literal["empty", "uploading", "ready"]
    blobSize: int = Field(description="bytes of the saved browser state and the files together")
    blobUploadedAt: str | None
    lastUsedAt: str | None
    usageCount: int
    inUse: bool = Field(description="a live session uses it now (a second one is refused with 409)")


class PolicyBody(Doc):
    id: str
    name: str
    description: str
    status: Literal["active", "draft"]
    llmRole: str
    domainRules: dict[str, Any]
    actionRules: list[dict[str, Any]]
    defaultAction: Literal["allow", "block", "guardrail"]
    createdAt: str
    updatedAt: str


class EnvironmentOne(Doc):
    success: Literal[True]
    message: str
    environment: EnvironmentDoc


class ProfileOne(Doc):
    success: Literal[True]
    message: str
    profile: EnvironmentDoc


class EnvironmentList(Doc):
    success: Literal[True]
    environments: list[EnvironmentDoc]


class ProfileList(Doc):
    success: Literal[True]
    profiles: list[EnvironmentDoc]


class EnvironmentFile(Doc):
    fileId: str
    originalName: str
    size: int
    createdAt: str


class EnvironmentFiles(Doc):
    success: Literal[True]
    files: list[EnvironmentFile]


class Done(Doc):
    success: Literal[True]
    message: str


class DownloadLink(Doc):
    success: Literal[True]
    downloadUrl: str = Field(description="a signed link to the .tar.gz archive, valid one hour, no API key needed")
    expiresAt: str


class PolicyAnswer(Doc):
    success: Literal[True]
    policy: PolicyBody


class PolicyList(Doc):
    success: Literal[True]
    policies: list[PolicyBody]


class FileDeleted(Doc):
    success: Literal[True]
    fileId: str


class PolicyChecked(Doc):
    success: Literal[True]
    valid: Literal[True]


class PolicyTemplates(Doc):
    success: Literal[True]
    templates: dict[str, dict[str, Any]] = Field(description="policy documents by template id, to create a policy from")


class PolicyDeleted(Doc):
    success: Literal[True]
    id: str


class AuditEntryBody(Doc):
    id: str
    at: str
    policyId: str
    sessionId: str
    taskId: str
    category: str
    action: str = Field(description="the attempted action, as shown to a person")
    ruleId: str | None
    decision: Literal["allow", "block", "guardrail"]
    humanResponse: str | None = Field(description="approved, rejected or timed_out for guardrail decisions")
    layer: Literal["agent", "network"]


class AuditTrail(Doc):
    success: Literal[True]
    policyId: str | None
    entries: list[AuditEntryBody]


ERROR_STATUSES = {
    400: "invalid request: body, parameters or URL (VALIDATION_ERROR, FILE_NOT_FOUND, URL_NOT_ALLOWED, PROXY_ERROR, "
         "INVALID_POLICY, POLICY_NOT_ACTIVE)",
    401: "missing or unknown API key (UNAUTHORIZED), or an unknown session (SESSION_NOT_FOUND)",
    403: "the key's account is deactivated (ACCOUNT_DEACTIVATED) or the key lacks the route's scope "
         "(MISSING_PERMISSION); a download link was altered (BAD_SIGNATURE) "
         "or has expired (LINK_EXPIRED)",
    404: "not found",
    409: "the session's state does not allow it (TASK_QUEUE_FULL, NO_RUNNING_TASK, TAKE_OVER_FIRST, NO_OPEN_QUESTION); "
         "an environment is in use by a live session (ENVIRONMENT_IN_USE) or being uploaded (ENVIRONMENT_BUSY); "
         "an account's policy limit (POLICY_LIMIT); an unlimited account has no balance to credit "
         "(ACCOUNT_UNLIMITED); an admin cannot deactivate its own account or revoke its own key (OWN_ACCOUNT, OWN_KEY)",
    402: "the account's balance cannot cover a new task (INSUFFICIENT_BALANCE, with details.balance)",
    413: "the request body is too large (REQUEST_TOO_LARGE, FILE_TOO_LARGE)",
    414: "the URL is too long (URI_TOO_LONG)",
    429: "too many calls in the rate-limit window (RATE_LIMIT_EXCEEDED, with Retry-After), or the account "
         "has as many live sessions as it may (SESSION_LIMIT_REACHED, details.current and .limit)",
    503: "every session slot is taken (NO_AVAILABLE_INSTANCES)",
}
ALWAYS = (400, 413, 414)  # any request can be refused by the request guard


def answers(ok: Any, *statuses: int, description: str = "Success") -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its success model and the error statuses it can answer."""
    documented: dict[int | str, dict[str, Any]] = {200: {"description": description}}
    if isinstance(ok, dict):
        documented[200]["content"] = ok
    else:
        documented[200]["model"] = ok
    for status in sorted({*ALWAYS, *statuses}):
        documented[status] = {"model": ErrorBody, "description": ERROR_STATUSES[status]}
    return documented


BINARY = {"schema": {"type": "string", "format": "binary"}}
# Session, task and file ids as the server makes them; any other id is simply not found (404).
ID_DOC = {"pattern": "^[0-9a-f]{32}$"}
