"""Events: everything that happens in a live session, as plain data (one stream: the event hub).

Every event carries the session id, the task id ("" for session events), a sequence number given
by the hub (increasing over the whole hub) and the time it was published (epoch seconds).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from openwebrun.domain.models import StepRecord, Task


@dataclass(kw_only=True)
class Event:
    kind: ClassVar[str] = "event"
    session_id: str = ""
    task_id: str = ""
    seq: int = 0
    at: float = 0.0


@dataclass(kw_only=True)
class TaskQueued(Event):
    kind: ClassVar[str] = "task_queued"
    position: int


@dataclass(kw_only=True)
class TaskStarted(Event):
    kind: ClassVar[str] = "task_started"
    task_details: str = ""


@dataclass(kw_only=True)
class AgentThought(Event):
    """The model decided a step: its reasoning and next goal (before the actions run)."""

    kind: ClassVar[str] = "agent_thought"
    step: int
    thinking: str
    next_goal: str


@dataclass(kw_only=True)
class ActionTaken(Event):
    """One action of the agent is about to run; `target` names the element it acts on, if any."""

    kind: ClassVar[str] = "action_taken"
    step: int
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    target: str = ""


@dataclass(kw_only=True)
class StepRecorded(Event):
    kind: ClassVar[str] = "step_recorded"
    step: StepRecord


@dataclass(kw_only=True)
class UrlChanged(Event):
    kind: ClassVar[str] = "url_changed"
    url: str


@dataclass(kw_only=True)
class TaskPaused(Event):
    kind: ClassVar[str] = "task_paused"


@dataclass(kw_only=True)
class TaskResumed(Event):
    kind: ClassVar[str] = "task_resumed"


@dataclass(kw_only=True)
class ControlTaken(Event):
    kind: ClassVar[str] = "control_taken"


@dataclass(kw_only=True)
class ControlReleased(Event):
    kind: ClassVar[str] = "control_released"


@dataclass(kw_only=True)
class HumanInputNeeded(Event):
    kind: ClassVar[str] = "human_input_needed"
    question: str
    reason: str = "other"
    details: dict[str, str] = field(default_factory=dict)  # e.g. policyId and ruleId of a policy guardrail


@dataclass(kw_only=True)
class PolicyDecided(Event):
    """A policy decided on an attempted action (the audit trail records each one)."""

    kind: ClassVar[str] = "policy_decided"
    policy_id: str
    account_id: str
    category: str
    action: str
    decision: str  # allow, block, guardrail
    rule_id: str | None = None
    human_response: str | None = None  # approved, rejected
    layer: str = "agent"


@dataclass(kw_only=True)
class HumanAnswered(Event):
    """A person answered the open question (the answer itself is never in an event)."""

    kind: ClassVar[str] = "human_answered"
    resumed: bool = True


@dataclass(kw_only=True)
class TaskFinished(Event):
    """The task ended (completed or failed); `task` is its final state, masked."""

    kind: ClassVar[str] = "task_finished"
    task: Task


@dataclass(kw_only=True)
class SessionClosed(Event):
    kind: ClassVar[str] = "session_closed"
    reason: str


@dataclass(kw_only=True)
class EventsLost(Event):
    """Told to one subscriber only: its queue was full and `count` events were dropped for it."""

    kind: ClassVar[str] = "events_lost"
    count: int
