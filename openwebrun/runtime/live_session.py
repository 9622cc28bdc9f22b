"""A session that is running now: its browser context, its agent environment, its current task."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Task


@dataclass
class RunningTask:
    task: Task
    started: float = field(default_factory=time.monotonic)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    job: asyncio.Task | None = None
    ending: bool = False  # the task is recording its end; it can no longer be cancelled
    stop_reason: tuple[ErrorCode, str] = (ErrorCode.STOPPED, "The task was stopped.")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class LiveSession:
    id: str
    account_id: str
    context: BrowserContext
    env: BrowserEnv
    expires_in_ms: int
    last_activity: float = field(default_factory=time.monotonic)
    current: RunningTask | None = None
    closing: bool = False

    @property
    def busy(self) -> bool:
        return self.current is not None and not self.current.finished.is_set()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_expired(self, now: float) -> bool:
        return not self.busy and (now - self.last_activity) * 1000 >= self.expires_in_ms
