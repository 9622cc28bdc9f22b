"""A session that is running now: its browser context, its agent environment, its task and queue."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Task
from openwebrun.runtime.control import TaskControl
from openwebrun.runtime.live_view import LiveView


@dataclass
class RunningTask:
    task: Task
    control: TaskControl
    files: dict[str, Path] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    attention: asyncio.Event = field(default_factory=asyncio.Event)  # set while a person's answer is awaited
    job: asyncio.Task | None = None
    ending: bool = False  # the task is recording its end; it can no longer be cancelled
    stop_reason: tuple[ErrorCode, str] = (ErrorCode.STOPPED, "The task was stopped.")

    @property
    def elapsed(self) -> float:
        return self.control.clock.active_seconds


@dataclass(frozen=True)
class ProfileBinding:
    """The environment a session starts from (`state`, None: a clean browser) and saves back to:
    `save` is called once as the session ends, with its state, or None when it could not be read."""

    state: dict[str, Any] | None
    save: Callable[[dict[str, Any] | None], Awaitable[None]]
    environment_id: str = ""  # whose state it is (a cluster worker rebuilds `save` from it)


@dataclass
class LiveSession:
    id: str
    account_id: str
    context: BrowserContext
    env: BrowserEnv
    expires_in_ms: int
    last_activity: float = field(default_factory=time.monotonic)
    current: RunningTask | None = None
    queue: deque[RunningTask] = field(default_factory=deque)
    taken_over: bool = False  # a person holds the browser (also between tasks)
    closing: bool = False
    view: LiveView | None = None  # frames are made only while someone watches
    closing_soon: bool = False  # its task asked terminateOnCompletion and ended: the close is on its way
    profile: ProfileBinding | None = None

    @property
    def busy(self) -> bool:
        return self.current is not None and not self.current.finished.is_set()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_expired(self, now: float) -> bool:
        return not self.busy and not self.queue and (now - self.last_activity) * 1000 >= self.expires_in_ms
