"""What the agent loop needs from whoever runs it: checkpoints, the input lock, a human to ask,
and somewhere to report what it does. The runtime's TaskControl is the real one; AutonomousControl
runs a task with nobody watching (the local `openwebrun run`, tests of the agent alone).
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import Event


class Control(Protocol):
    interruptions: int  # how many times a person took the browser over; grows on each takeover

    async def checkpoint(self) -> None:
        """Return when the agent may go on: blocks while paused or taken over."""

    def acting(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the browser's input for one action (after a checkpoint)."""

    async def ask_human(self, question: str, reason: str, details: dict[str, str] | None = None) -> str:
        """A person's answer; raises TaskFailure when none comes in time. `details` go with the
        question to whoever answers (policyId and ruleId of a policy guardrail)."""

    def human_notes(self) -> list[str]:
        """What people did since the last call, for the model's next step (taken once)."""

    def emit(self, event: Event) -> None:
        """Report an event of this task (ids are filled in)."""


class AutonomousControl:
    """Nobody to pause, take over or answer: checkpoints pass, a question fails the task."""

    interruptions = 0

    def __init__(self, on_event: Callable[[Event], None] | None = None):
        self.on_event = on_event

    async def checkpoint(self) -> None:
        return None

    @contextlib.asynccontextmanager
    async def acting(self) -> AsyncIterator[None]:
        yield

    async def ask_human(self, question: str, reason: str, details: dict[str, str] | None = None) -> str:
        raise TaskFailure(ErrorCode.HUMAN_INPUT_UNAVAILABLE,
                          f"The agent needs a person's input ({reason}): {question}")

    def human_notes(self) -> list[str]:
        return []

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)
