"""Events -> Socket.IO payloads (WEBRUN-DETAILS section 5.2, the superset we send).

Every payload carries `sessionId`, and `taskId` when the event belongs to a task. Task endings
are shaped by `task_body`, so a socket client reads the same fields as a poll.
"""
from __future__ import annotations

from typing import Any

from openwebrun.api.presenters import task_body
from openwebrun.domain.events import (
    ActionTaken,
    AgentThought,
    ControlReleased,
    ControlTaken,
    Event,
    EventsLost,
    HumanAnswered,
    HumanInputNeeded,
    SessionClosed,
    TaskPaused,
    TaskQueued,
    TaskResumed,
    TaskStarted,
)
from openwebrun.domain.models import Task
from openwebrun.services.links import Links

STARTING = "Starting task... Browsing the web now."

# Internal reasons a session ends -> the `reason` of end_session (the internal one goes in `detail`).
END_REASONS = {"terminated": "terminated", "expired": "expired", "task_completed": "terminateOnCompletion",
               "server_shutdown": "terminated"}


def _ids(event: Event) -> dict[str, Any]:
    """The ids, plus the event's place in the server's stream and its time (epoch ms)."""
    ids: dict[str, Any] = {"sessionId": event.session_id}
    if event.task_id:
        ids["taskId"] = event.task_id
    ids["seq"] = event.seq
    ids["timestamp"] = round(event.at * 1000, 3)
    return ids


def _update(event: Event, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "response_update", **_ids(event), "data": {"message": message, **extra}}


def message_payload(event: Event) -> dict[str, Any] | None:
    """The `message` payload for an event; None for events a socket is not sent (steps, endings)."""
    match event:
        case AgentThought():
            return {"type": "agent", **_ids(event), "content": event.thinking,
                    "data": {"thinking": event.thinking, "nextGoal": event.next_goal, "step": event.step}}
        case ActionTaken():
            return {"type": "action", **_ids(event),
                    "data": {"name": event.name, "target": event.target or None, "params": event.params,
                             "step": event.step}}
        case TaskStarted():
            return _update(event, STARTING, state="running")
        case TaskQueued():
            return _update(event, f"Task queued behind the running one (position {event.position}).",
                           state="queued", position=event.position)
        case TaskPaused():
            return _update(event, "Task paused.", state="paused")
        case TaskResumed():
            return _update(event, "Task resumed.", state="resumed")
        case ControlTaken():
            return _update(event, "Control taken over: the agent waits until it is released.", state="taken_over")
        case ControlReleased():
            return _update(event, "Control released.", state="released")
        case HumanAnswered():
            return _update(event, "Answer received: the agent goes on.", state="answered")
        case HumanInputNeeded():
            return {"type": "guardrail_trigger", **_ids(event), "status": "guardrail",
                    "data": {"type": "human_input_needed", "value": event.question, "reason": event.reason,
                             **event.details}}
        case EventsLost():
            return _update(event, f"{event.count} events were dropped: this socket reads too slowly",
                           lost=event.count)
    return None


def task_end_payload(task: Task, links: Links) -> dict[str, Any]:
    """`task_completed` (the completed body of a poll) or `error` (the failed body, with code)."""
    body = task_body(task, links, start_call=False)
    if body.get("type") != "task_completed":
        body["type"] = "error"
    return body


def end_session_payload(event: SessionClosed) -> dict[str, Any]:
    return {"type": "end_session", "sessionId": event.session_id,
            "reason": END_REASONS.get(event.reason, event.reason), "detail": event.reason,
            "message": "Session ended"}
