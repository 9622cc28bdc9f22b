"""Commands: everything that changes a live session, as plain data (one door: SessionRuntime.command).

A command and its outcome are serializable, so that the door can later be routed to the machine
that holds the session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from openwebrun.domain.models import Task

# The live view's stream: 1024x600 with a 155-pixel browser bar on top of the 1024x445 page.
STREAM_WIDTH = 1024
STREAM_HEIGHT = 600
STREAM_BAR_HEIGHT = 155


@dataclass(frozen=True)
class NewTask:
    """Run `task` now, or queue it behind the running one. `files`: attachment name -> local path."""

    task: Task
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Stop:
    code: str = "STOPPED"  # the failed task's code (BALANCE_EXHAUSTED when billing stops it)
    message: str = "The task was stopped on request."


@dataclass(frozen=True)
class Terminate:
    reason: str = "terminated"


@dataclass(frozen=True)
class TakeOver:
    pass


@dataclass(frozen=True)
class Release:
    pass


class InputKind(str, Enum):
    CLICK = "CLICK"
    DOUBLE_CLICK = "DOUBLE_CLICK"
    TYPE = "TYPE"
    KEY_PRESS = "KEY_PRESS"


@dataclass(frozen=True)
class Input:
    """Raw input from a person: x, y in stream pixels (clicks), text (TYPE) or key (KEY_PRESS)."""

    kind: InputKind
    x: float = 0.0
    y: float = 0.0
    text: str = ""
    human_like: bool = False
    key: str = ""


@dataclass(frozen=True)
class Answer:
    """A person's answer to the question the agent asked; resume=False stops the task instead."""

    text: str = ""
    resume: bool = True


Command = NewTask | Pause | Resume | Stop | Terminate | TakeOver | Release | Input | Answer


@dataclass(frozen=True)
class CommandOutcome:
    """What the door did: for NewTask, whether the task started at once or waits in the queue."""

    task_id: str | None = None
    queued: bool = False
    position: int = 0  # place in the queue (1 = next), 0 when started
