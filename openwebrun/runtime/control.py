"""Task control: one per running task, handed to the agent loop.

The agent calls `checkpoint()` before each decision and `acting()` around each action; both wait
while the task is paused or a person has taken the browser over. `ask_human` waits for a person's
answer. The task's clock (maxDuration) stops while the task is held or waiting for a person.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import (
    ControlReleased,
    ControlTaken,
    Event,
    HumanAnswered,
    HumanInputNeeded,
    TaskPaused,
    TaskResumed,
)

HUMAN_ACTED_NOTE = ("A person took over the browser and has given it back. The page may have changed: "
                    "read the new page state before acting.")


class TaskClock:
    """Active time of a task: stops while held, and moves the maxDuration deadline by the held time."""

    def __init__(self) -> None:
        self._holds = 0
        self._held_since = 0.0
        self._held_total = 0.0
        self._started = time.monotonic()
        self._timeout: asyncio.Timeout | None = None
        self._remaining: float | None = None

    def attach(self, timeout: asyncio.Timeout) -> None:
        self._timeout = timeout
        if self._holds:
            self._stop_deadline()

    def hold(self) -> None:
        self._holds += 1
        if self._holds == 1:
            self._held_since = time.monotonic()
            self._stop_deadline()

    def unhold(self) -> None:
        if self._holds == 0:
            return
        self._holds -= 1
        if self._holds == 0:
            self._held_total += time.monotonic() - self._held_since
            if self._timeout is not None and self._remaining is not None:
                self._timeout.reschedule(asyncio.get_running_loop().time() + self._remaining)
            self._remaining = None

    def _stop_deadline(self) -> None:
        if self._timeout is not None and self._remaining is None:
            when = self._timeout.when()
            if when is not None:
                self._remaining = max(0.0, when - asyncio.get_running_loop().time())
                self._timeout.reschedule(None)

    @property
    def active_seconds(self) -> float:
        held = self._held_total + (time.monotonic() - self._held_since if self._holds else 0.0)
        return time.monotonic() - self._started - held


class TaskControl:
    """State of one running task as people steer it: running, paused, taken over, waiting for a person."""

    def __init__(self, session_id: str, task_id: str, *, publish: Callable[[Event], object],
                 human_timeout_s: float, taken_over: bool = False,
                 on_question: Callable[[str | None, str, dict[str, str]], None] | None = None):
        self.session_id = session_id
        self.task_id = task_id
        self._publish = publish
        self.human_timeout_s = human_timeout_s
        self.on_question = on_question
        self.clock = TaskClock()
        self.paused = False
        self.taken_over = False
        self.stopping = False  # a stop was asked: every wait of the agent ends at once
        self.interruptions = 0
        self.question: str | None = None
        self._answer: asyncio.Future[str] | None = None
        self._clear = asyncio.Event()
        self._clear.set()
        self._input = asyncio.Lock()
        self._notes: list[str] = []
        if taken_over:
            self.take_over(announce=False)

    # --- what the agent calls ---------------------------------------------------------
    async def checkpoint(self) -> None:
        while not self._clear.is_set() and not self.stopping:
            await self._clear.wait()
        if self.stopping:
            raise asyncio.CancelledError  # the stop's cancellation may have been lost in a wait_for

    @contextlib.asynccontextmanager
    async def acting(self) -> AsyncIterator[None]:
        while True:
            await self.checkpoint()
            await self._input.acquire()
            if self._clear.is_set() or self.stopping:
                break
            self._input.release()  # held while we waited for the lock: wait again
        try:
            if self.stopping:
                raise asyncio.CancelledError
            yield
        finally:
            self._input.release()

    async def ask_human(self, question: str, reason: str, details: dict[str, str] | None = None) -> str:
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self.question = question
        self.clock.hold()
        self.emit(HumanInputNeeded(question=question, reason=reason, details=dict(details or {})))
        if self.on_question is not None:
            self.on_question(question, reason, dict(details or {}))
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), self.human_timeout_s)
        except TimeoutError:
            raise TaskFailure(ErrorCode.GUARDRAIL_TIMEOUT,
                              f"Nobody answered the agent's question within {self.human_timeout_s:g} s: {question}") from None
        finally:
            self.question = None
            self._answer = None
            self.clock.unhold()
            if self.on_question is not None:
                self.on_question(None, "", {})

    def human_notes(self) -> list[str]:
        notes, self._notes = self._notes, []
        return notes

    def emit(self, event: Event) -> None:
        event.session_id = self.session_id
        event.task_id = self.task_id
        self._publish(event)

    # --- what people do (through the runtime's door) --------------------------------------
    @property
    def state(self) -> str:
        if self.taken_over:
            return "taken_over"
        if self.question is not None:
            return "waiting_human"
        return "paused" if self.paused else "running"

    def stop(self) -> None:
        """The task is being stopped: its next checkpoint, action or question ends it."""
        self.stopping = True
        self._clear.set()
        if self._answer is not None and not self._answer.done():
            self._answer.cancel()

    def pause(self) -> bool:
        if self.paused:
            return False
        self.paused = True
        self._update()
        self.emit(TaskPaused())
        return True

    def resume(self) -> bool:
        if not self.paused:
            return False
        self.paused = False
        self._update()
        self.emit(TaskResumed())
        return True

    def take_over(self, announce: bool = True) -> bool:
        if self.taken_over:
            return False
        self.taken_over = True
        self.interruptions += 1
        self._update()
        if announce:
            self.emit(ControlTaken())
        return True

    def release(self) -> bool:
        if not self.taken_over:
            return False
        self.taken_over = False
        self._notes.append(HUMAN_ACTED_NOTE)
        self._update()
        self.emit(ControlReleased())
        return True

    def answer(self, text: str) -> bool:
        """Hand a person's answer to the waiting agent; False when no question is open."""
        if self._answer is None or self._answer.done():
            return False
        self._answer.set_result(text)
        self.emit(HumanAnswered(resumed=True))
        if self.on_question is not None:
            self.on_question(None, "", {})  # the task runs again from now: a poll right after says so
        return True

    @contextlib.asynccontextmanager
    async def input_lock(self) -> AsyncIterator[None]:
        """Held around a person's raw input, so that agent and person never type at once."""
        async with self._input:
            yield

    def _update(self) -> None:
        held = self.paused or self.taken_over
        if held and self._clear.is_set():
            self._clear.clear()
            self.clock.hold()
        elif not held and not self._clear.is_set():
            self._clear.set()
            self.clock.unhold()
