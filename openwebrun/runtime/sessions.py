"""The registry of live sessions and the one door into them: `command(session_id, command)`.

Capacity, opening and closing, the task queue, idle expiry and shutdown live here; what a task
does while it runs is the agent's, steered through its TaskControl.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.loop import Agent
from openwebrun.browser import profile_state
from openwebrun.browser.pool import BrowserPool
from openwebrun.domain import commands as cmd
from openwebrun.domain.errors import ErrorCode, Refused
from openwebrun.domain.events import ControlReleased, ControlTaken, SessionClosed, TaskFinished, TaskQueued
from openwebrun.domain.models import Task, TaskStatus, utcnow
from openwebrun.domain.policies import Policy
from openwebrun.domain.pricing import Rates
from openwebrun.domain.proxies import ProxyChoice
from openwebrun.runtime.control import TaskControl
from openwebrun.runtime.errors import CapacityExceeded
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.live_input import send_input
from openwebrun.runtime.live_session import LiveSession, ProfileBinding, RunningTask
from openwebrun.runtime.live_view import PART_BAR, PART_PAGE, LiveView, ViewEnded
from openwebrun.runtime.task_runner import run_task, stop_task
from openwebrun.runtime.webrtc import WhepPeers

log = logging.getLogger(__name__)

AgentFactory = Callable[[Task], Agent]
MAX_QUEUE = 5


@dataclass(frozen=True)
class SessionInfo:
    """What can be told about a live session without handing it out."""

    id: str
    account_id: str
    state: str  # idle, running, paused, taken_over, waiting_human
    task_id: str | None
    queued: int
    url: str


@dataclass(frozen=True)
class ViewOptions:
    """The live view's frames: at most `max_fps` a second, JPEG `quality`; WHEP peers' ICE set-up."""

    max_fps: float = 25.0
    quality: int = 70
    whep: WhepPeers = field(default_factory=WhepPeers)


def session_not_found() -> Refused:
    return Refused("SESSION_NOT_FOUND", "Session not found or unauthorized.")


class SessionRuntime:
    def __init__(self, pool: BrowserPool, *, hub: EventHub, max_sessions: int, agent_factory: AgentFactory,
                 downloads_root: Path, navigation_timeout_ms: int, human_timeout_s: float = 600.0,
                 max_queue: int = MAX_QUEUE, expiry_interval_s: float = 1.0, view: ViewOptions | None = None,
                 rates: Rates | None = None):
        self.pool = pool
        self.hub = hub
        self.max_sessions = max_sessions
        self.agent_factory = agent_factory
        self.downloads_root = downloads_root
        self.navigation_timeout_ms = navigation_timeout_ms
        self.human_timeout_s = human_timeout_s
        self.max_queue = max_queue
        self.expiry_interval_s = expiry_interval_s
        self.view = view or ViewOptions()
        self.rates = rates or Rates()
        self._sessions: dict[str, LiveSession] = {}
        self._opening = 0
        self._tasks: dict[str, RunningTask] = {}
        self._reaper: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        self._reaper = asyncio.create_task(self._expire_idle(), name="session-expiry")

    async def close(self) -> None:
        if self._reaper:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
        for session_id in list(self._sessions):
            await self.close_session(session_id, "server_shutdown",
                                     (ErrorCode.SESSION_TERMINATED, "The server shut down."))
        await self.view.whep.close()
        await asyncio.gather(*self._background, return_exceptions=True)

    # --- sessions ----------------------------------------------------------------
    @property
    def free_slots(self) -> int:
        return max(0, self.max_sessions - len(self._sessions) - self._opening)

    async def open_session(self, session_id: str, account_id: str, expires_in_ms: int,
                           profile: ProfileBinding | None = None, proxy: ProxyChoice | None = None,
                           policy: Policy | None = None) -> None:
        """A live session in a fresh context with a tab open; with `profile`, started from its state and
        saved back at the end; with `proxy`, its traffic goes out through it (checked first:
        upstream.ProxyFailure when it cannot be used); with `policy`, every task is held to it."""
        if self.free_slots <= 0:
            raise CapacityExceeded()
        self._opening += 1
        try:
            start_state = profile.state if profile else None
            context = await self.pool.new_context(proxy, **profile_state.context_options(start_state))
            context.set_default_navigation_timeout(self.navigation_timeout_ms)
            try:
                await profile_state.restore_session_storage(context, start_state)
                await context.new_page()  # ready means a tab is open
            except BaseException:
                await self.pool.release(context)
                raise
            env = BrowserEnv(context, downloads_dir=self.downloads_root / session_id,
                             navigation_timeout_ms=self.navigation_timeout_ms, reach=self.pool.reach,
                             lane=self.pool.lane(context))
            env.set_policy(policy)
            live = LiveSession(session_id, account_id, context, env, expires_in_ms, profile=profile)
            live.view = LiveView(session_id, env, self.hub, lambda: self._state(live),
                                 max_fps=self.view.max_fps, quality=self.view.quality)
            self._sessions[session_id] = live
        finally:
            self._opening -= 1

    async def url_refusal(self, url: str) -> str | None:
        """Why the browser may not open `url` (scheme, or an address it resolves to), or None."""
        return await self.pool.reach.url_refusal(url)

    def _live(self, session_id: str) -> LiveSession | None:
        live = self._sessions.get(session_id)
        return None if live is None or live.closing else live

    async def owner(self, session_id: str) -> str | None:
        """The account of a live session; None when it is unknown or has ended."""
        live = self._live(session_id)
        return live.account_id if live else None

    async def ending(self, session_id: str) -> bool:
        """The session is closing, or will close at once (its task ended with terminateOnCompletion), or is gone."""
        live = self._sessions.get(session_id)
        return live is None or live.closing or live.closing_soon

    async def touch(self, session_id: str) -> bool:
        """Someone is active on the session (e.g. a socket connected): its idle timer starts over."""
        live = self._live(session_id)
        if live is not None:
            live.touch()
        return live is not None

    async def info(self, session_id: str) -> SessionInfo | None:
        return self._info(session_id)

    def _info(self, session_id: str) -> SessionInfo | None:
        live = self._live(session_id)
        if live is None:
            return None
        current = live.current if live.busy else None
        page = live.env.page
        return SessionInfo(live.id, live.account_id, self._state(live), current.task.id if current else None,
                           len(live.queue), page.url if page is not None and not page.is_closed() else "")

    @staticmethod
    def _state(live: LiveSession) -> str:
        current = live.current if live.busy else None
        if current is None:
            return "taken_over" if live.taken_over else "idle"
        return current.control.state

    async def sessions(self) -> list[SessionInfo]:
        return [info for sid in list(self._sessions) if (info := self._info(sid)) is not None]

    async def close_session(self, session_id: str, reason: str,
                            stop: tuple[ErrorCode, str] = (ErrorCode.SESSION_TERMINATED, "The session was terminated.")) -> bool:
        live = self._sessions.get(session_id)
        if live is None or live.closing:
            return False
        live.closing = True
        try:
            while live.queue:
                self._drop_queued(live.queue.popleft(), stop)
            if live.busy:
                await self._stop(live.current, stop)
            await self.view.whep.end_session(session_id)
            if live.view is not None:
                await live.view.close()
            if live.profile is not None:
                await self._save_profile(live, live.profile)
            live.env.close()
            await self.pool.release(live.context)
        finally:
            self._sessions.pop(session_id, None)
            self.hub.publish(SessionClosed(session_id=session_id, reason=reason))
        return True

    # --- the live view -----------------------------------------------------------
    def _view(self, session_id: str) -> LiveView:
        live = self._live(session_id)
        if live is None or live.view is None:
            raise session_not_found()
        return live.view

    async def health(self) -> dict[str, Any]:
        """Free session slots and live-view figures, as /health shows them."""
        return {"free": self.free_slots, "liveView": self.live_view_counts()}

    def live_view_counts(self) -> dict[str, int]:
        views = [live.view for live in self._sessions.values() if live.view is not None]
        whep = self.view.whep.count()
        return {"screencasts": sum(v.screencasting for v in views), "viewers": sum(v.jpeg_viewers for v in views) + whep,
                "whepViewers": whep, "encoders": self.view.whep.encoding()}

    async def whep_offer(self, session_id: str, offer_sdp: str) -> tuple[str, str]:
        """A WHEP viewer joins: (resource id, answer SDP)."""
        try:
            return await self.view.whep.answer(session_id, self._view(session_id), offer_sdp)
        except ViewEnded:
            raise session_not_found() from None

    async def whep_end(self, session_id: str, resource: str) -> bool:
        return await self.view.whep.end(session_id, resource)

    async def jpeg_frames(self, session_id: str) -> AsyncGenerator[bytes, None]:
        """The newest frame as JPEG each time one is made, until the session ends (skips what the
        reader is too slow for). Close the iterator (contextlib.aclosing) to stop watching."""
        view = self._view(session_id)
        with contextlib.suppress(ViewEnded):
            async with view.watching(jpeg=True):
                version = 0
                while (frame := await view.next_frame(version)) is not None:
                    version = frame.version
                    try:
                        jpeg = await view.jpeg(frame)
                    except Exception:  # a frame Chromium sent damaged: the next one replaces it
                        log.warning("a live view frame could not be decoded", exc_info=True)
                        continue
                    yield jpeg

    async def jpeg_parts(self, session_id: str) -> AsyncGenerator[bytes, None]:
        """Like jpeg_frames, in parts: PART_BAR + the bar's JPEG when the bar changes (first with the
        first frame), PART_PAGE + Chromium's JPEG of the page for each new one (not decoded here) and
        after each bar, so that every page part completes a frame."""
        view = self._view(session_id)
        with contextlib.suppress(ViewEnded):
            async with view.watching(jpeg=True):
                version, bar, page = 0, None, None
                while (frame := await view.next_frame(version)) is not None:
                    version = frame.version
                    if frame.bar is not bar:
                        bar, page = frame.bar, None  # the page follows a new bar: a page part ends a frame
                        yield PART_BAR + await view.bar_jpeg(bar)
                    if frame.page is not page:
                        page = frame.page
                        yield PART_PAGE + page

    async def _save_profile(self, live: LiveSession, profile: ProfileBinding) -> None:
        """Hand the session's browser state to its environment (None when it cannot be read)."""
        state = None
        try:
            state = await profile_state.capture(live.context, profile.state)
        except Exception as exc:  # a crashed browser: the environment keeps what it had
            log.warning("session %s: browser state not saved: %s", live.id, exc)
        try:
            await profile.save(state)
        except Exception:
            log.exception("session %s: could not save the browser state", live.id)

    # --- the door ----------------------------------------------------------------
    async def command(self, session_id: str, command: cmd.Command) -> cmd.CommandOutcome:
        """Apply `command` to the live session; Refused (with a code) when it cannot be done."""
        live = self._live(session_id)
        if live is None:
            raise session_not_found()
        live.touch()
        current = live.current if live.busy else None
        match command:
            case cmd.NewTask():
                return self._new_task(live, command)
            case cmd.Terminate():
                await self.close_session(session_id, command.reason)
            case cmd.Pause():
                self._running(current, "pause").control.pause()
            case cmd.Resume():
                control = self._running(current, "resume").control
                if not control.resume() and control.question is not None and not control.taken_over:
                    control.answer("")  # resume while the agent waits for a person: go on without an answer
            case cmd.Stop():
                await self._stop(self._running(current, "stop"), (ErrorCode(command.code), command.message))
            case cmd.TakeOver():
                self._take_over(live, current)
            case cmd.Release():
                self._release(live, current)
            case cmd.Input():
                if current is not None and not current.control.taken_over:
                    raise Refused("TAKE_OVER_FIRST", "The agent is running a task: send takeOverControl first, "
                                                     "then your input, then releaseControl.")
                await send_input(live.env, command, current.control if current else None)
            case cmd.Answer():
                await self._answer(current, command)
        return cmd.CommandOutcome(task_id=current.task.id if current else None)

    def _running(self, current: RunningTask | None, verb: str) -> RunningTask:
        if current is None:
            raise Refused("NO_RUNNING_TASK", f"No task is running in this session: nothing to {verb}.")
        return current

    def _take_over(self, live: LiveSession, current: RunningTask | None) -> None:
        live.taken_over = True
        if current is not None:
            current.control.take_over()
        else:
            self.hub.publish(ControlTaken(session_id=live.id))

    def _release(self, live: LiveSession, current: RunningTask | None) -> None:
        live.taken_over = False
        if current is not None:
            current.control.release()
        else:
            self.hub.publish(ControlReleased(session_id=live.id))

    async def _answer(self, current: RunningTask | None, answer: cmd.Answer) -> None:
        if current is None or current.control.question is None:
            raise Refused("NO_OPEN_QUESTION", "The agent is not waiting for an answer in this session.")
        if answer.resume:
            current.control.answer(answer.text)
        else:
            await self._stop(current, (ErrorCode.STOPPED, "The task was stopped at the agent's question."))

    # --- tasks -------------------------------------------------------------------
    def _new_task(self, live: LiveSession, command: cmd.NewTask) -> cmd.CommandOutcome:
        task = command.task
        running = RunningTask(task, TaskControl(live.id, task.id, publish=self.hub.publish,
                                                human_timeout_s=self.human_timeout_s,
                                                on_question=self._on_question(task.id)),
                              files={name: Path(path) for name, path in command.files.items()})
        if live.busy or live.queue:
            if len(live.queue) >= self.max_queue:
                raise Refused("TASK_QUEUE_FULL", f"{self.max_queue} tasks already wait in this session's queue; "
                                                 "wait for one to finish or stop the running task.")
            task.status = TaskStatus.QUEUED
            live.queue.append(running)
            self._tasks[task.id] = running
            running.control.emit(TaskQueued(position=len(live.queue)))
            return cmd.CommandOutcome(task_id=task.id, queued=True, position=len(live.queue))
        self._start(live, running)
        return cmd.CommandOutcome(task_id=task.id)

    def _on_question(self, task_id: str) -> Callable[[str | None, str, dict[str, str]], None]:
        """The task waits for a person (question) or goes on (None): its status follows."""
        def asked(question: str | None, reason: str, details: dict[str, str]) -> None:
            running = self._tasks.get(task_id)
            if running is None or running.ending:
                return
            running.task.guardrail = question
            running.task.guardrail_reason = reason or None
            running.task.guardrail_details = details
            if question is None:
                running.task.status = TaskStatus.RUNNING
                running.attention.clear()
            else:
                running.task.status = TaskStatus.GUARDRAIL
                running.attention.set()
        return asked

    def _start(self, live: LiveSession, running: RunningTask) -> None:
        task = running.task
        if live.taken_over:
            running.control.take_over(announce=False)
        live.env.set_files(running.files)
        live.env.add_secrets(task.spec.secrets)  # the session keeps the union of its tasks' secrets
        live.env.set_avoid_domains(task.spec.avoid_domains)
        task.spec.policy = live.env.policy  # the session's policy holds for each of its tasks
        live.current = running
        self._tasks[task.id] = running
        running.job = asyncio.create_task(
            run_task(live, running, self.agent_factory(task), lambda r: self._ended(live, r), self.rates),
            name=f"task-{task.id}")

    async def task(self, task_id: str, session_id: str | None = None) -> Task | None:
        """A task this runtime holds (queued or running), as it stands; None once it has ended.
        (`session_id` is where the task runs: a runtime over many machines needs it.)"""
        running = self._tasks.get(task_id)
        if running is None:
            return None
        if running.task.status is TaskStatus.RUNNING:
            running.task.usage.compute_time = round(running.elapsed, 3)
            self.rates.apply(running.task.usage)
        return running.task

    async def wait(self, task_id: str, timeout_s: float, session_id: str | None = None) -> None:
        """Until the task ended, asks a person, or `timeout_s` passed."""
        running = self._tasks.get(task_id)
        if running is None:
            return
        waits = [asyncio.ensure_future(running.finished.wait()), asyncio.ensure_future(running.attention.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    async def _stop(self, running: RunningTask | None, reason: tuple[ErrorCode, str]) -> None:
        await stop_task(running, reason)

    def _drop_queued(self, running: RunningTask, reason: tuple[ErrorCode, str]) -> None:
        task = running.task
        task.status, task.error_code, task.error = TaskStatus.FAILED, reason[0].value, reason[1]
        task.completed_at = utcnow()
        self._tasks.pop(task.id, None)
        running.finished.set()
        running.control.emit(TaskFinished(task=task))

    def _ended(self, live: LiveSession, running: RunningTask) -> None:
        """After a task: close the session (terminateOnCompletion) or start the next queued task."""
        self._tasks.pop(running.task.id, None)
        if live.current is running:
            live.current = None
            live.env.set_avoid_domains(())
        if live.closing:
            return
        if running.task.spec.terminate_on_completion:
            live.closing_soon = True
            self._spawn(self.close_session(live.id, "task_completed"))
        elif live.queue:
            self._start(live, live.queue.popleft())

    def _spawn(self, work) -> None:
        job = asyncio.ensure_future(work)
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    # --- expiry ------------------------------------------------------------------
    async def _expire_idle(self) -> None:
        while True:
            await asyncio.sleep(self.expiry_interval_s)
            now = time.monotonic()
            for live in list(self._sessions.values()):
                if not live.closing and live.idle_expired(now):
                    try:
                        await self.close_session(live.id, "expired")
                    except Exception:
                        log.exception("could not expire session %s", live.id)
