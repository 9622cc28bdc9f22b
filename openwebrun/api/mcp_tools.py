"""The MCP tools: WebRun's six (browser_task, create_session, send_task_to_session, get_task_status,
control_session, take_over_session) and answer_guardrail, carried out through the services.

Each tool runs as its caller (an account, and the environment bound in the MCP URL, if any).
Tools that wait for a task send MCP progress notifications from the agent's steps when the
client asked for progress.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from openwebrun.api.deps import Services
from openwebrun.api.presenters import guardrail_data, task_body, usage_body
from openwebrun.domain import commands as cmd
from openwebrun.domain.errors import Refused
from openwebrun.domain.events import ActionTaken, AgentThought
from openwebrun.domain.models import Account, Task, TaskSpec, TaskStatus
from openwebrun.domain.policies import Policy
from openwebrun.domain.reach_out import DEFAULT_REACH_OUT_MODE, REACH_OUT_MODES, reach_out_refusal

MAX_DURATION_MS = 300_000
Progress = Callable[[float, str], Awaitable[None]]
CONTROL: dict[str, cmd.Command] = {"pause": cmd.Pause(), "resume": cmd.Resume(), "stop": cmd.Stop(),
                                   "terminate": cmd.Terminate()}


class ToolFailure(Exception):
    """A tool call that cannot be done; the message is for the calling model."""


@dataclass(frozen=True)
class Caller:
    account: Account
    environment_id: str | None = None


def _prompt(prompt: str | None, task_details: str | None) -> str:
    text = (prompt or task_details or "").strip()
    return text


def _spec(prompt: str, starting_url: str | None, max_duration: int | None,
          terminate: bool = False) -> TaskSpec:
    if max_duration is not None and not 1000 <= max_duration <= MAX_DURATION_MS:
        raise ToolFailure(f"maxDuration must be between 1000 and {MAX_DURATION_MS} ms.")
    return TaskSpec(task_details=prompt, starting_point=starting_url or None,
                    max_duration_ms=max_duration or MAX_DURATION_MS, terminate_on_completion=terminate)


def _reach_out(mode: str | None) -> str:
    """The session's reach_out_mode (docs/mcp.md): checked before anything starts."""
    if mode is None:
        return DEFAULT_REACH_OUT_MODE
    if mode not in REACH_OUT_MODES:
        raise ToolFailure(f"{reach_out_refusal('reach_out_mode')} (VALIDATION_ERROR)")
    return mode


class McpTools:
    def __init__(self, services: Callable[[], Services]):
        self._services = services

    @property
    def svc(self) -> Services:
        return self._services()

    # --- tools ------------------------------------------------------------------------
    async def browser_task(self, caller: Caller, progress: Progress, prompt: str | None = None,
                           taskDetails: str | None = None, startingUrl: str | None = None,
                           maxDuration: int | None = None, reach_out_mode: str | None = None,
                           policyId: str | None = None) -> dict[str, Any]:
        text = _prompt(prompt, taskDetails)
        if not text:
            raise ToolFailure("prompt is required: what should the browser agent do?")
        mode = _reach_out(reach_out_mode)
        spec = _spec(text, startingUrl, maxDuration)
        policy = await self._policy(caller, policyId)
        _session, task = await self._call(self.svc.sessions.run_task(caller.account, spec, policy=policy,
                                                                     environment_id=caller.environment_id))
        return {**await self._finished(task, progress), "reachOutMode": mode}

    async def create_session(self, caller: Caller, prompt: str | None = None, taskDetails: str | None = None,
                             startingUrl: str | None = None, maxDuration: int | None = None,
                             reach_out_mode: str | None = None, policyId: str | None = None) -> dict[str, Any]:
        text = _prompt(prompt, taskDetails)
        mode = _reach_out(reach_out_mode)
        spec = _spec(text, startingUrl, maxDuration) if text else None
        policy = await self._policy(caller, policyId)
        session, task = await self._call(self.svc.sessions.start(caller.account, spec, policy=policy,
                                                                 environment_id=caller.environment_id))
        body: dict[str, Any] = {
            "success": True, "sessionId": session.id,
            "message": "Session created successfully. You can now send tasks to this session.",
            "expiresIn": session.expires_in_ms, "streamingUrl": self.svc.links.streaming(session.id)["webViewURL"],
            "reachOutMode": mode}
        if task is not None:
            body["taskId"] = task.id
        return body

    async def send_task_to_session(self, caller: Caller, progress: Progress, sessionId: str,
                                   prompt: str | None = None, taskDetails: str | None = None,
                                   terminateOnCompletion: bool = False) -> dict[str, Any]:
        text = _prompt(prompt, taskDetails)
        if not text:
            raise ToolFailure("prompt is required: the task to run in the session.")
        spec = TaskSpec(task_details=text, terminate_on_completion=terminateOnCompletion)
        task = await self._call(self.svc.sessions.new_task(caller.account, sessionId, spec))
        return await self._finished(task, progress)

    async def get_task_status(self, caller: Caller, sessionId: str, taskId: str) -> dict[str, Any]:
        task = await self._call(self.svc.tasks.owned(caller.account, sessionId, taskId))
        if task.status in (TaskStatus.RUNNING, TaskStatus.QUEUED):
            usage = usage_body(task.usage)
            return {"success": True, "sessionId": sessionId, "taskId": taskId, "status": "active", "pending": True,
                    "usage": {k: usage[k] for k in ("inputTokens", "outputTokens", "computeTime", "cost")}}
        return task_body(task, self.svc.links, start_call=False)

    async def control_session(self, caller: Caller, sessionId: str,
                              action: Literal["pause", "resume", "stop", "terminate"]) -> dict[str, Any]:
        if action not in CONTROL:
            raise ToolFailure("action must be one of pause, resume, stop, terminate.")
        await self._call(self.svc.sessions.command(caller.account, sessionId, CONTROL[action]))
        return {"success": True, "message": "Session control command sent successfully", "action": action}

    async def take_over_session(self, caller: Caller, sessionId: str,
                                action: Literal["takeover", "release"]) -> dict[str, Any]:
        if action not in ("takeover", "release"):
            raise ToolFailure("action must be takeover or release.")
        command = cmd.TakeOver() if action == "takeover" else cmd.Release()
        await self._call(self.svc.sessions.command(caller.account, sessionId, command))
        message = ("Manual control enabled. Agent paused." if action == "takeover"
                   else "Control released. The agent continues.")
        return {"success": True, "message": message, "action": action,
                "streamingUrl": self.svc.links.streaming(sessionId)["webViewURL"]}

    async def answer_guardrail(self, caller: Caller, progress: Progress, sessionId: str, text: str,
                               resume: bool = True) -> dict[str, Any]:
        outcome = await self._call(self.svc.sessions.command(caller.account, sessionId,
                                                             cmd.Answer(text=text, resume=resume)))
        if not resume or outcome.task_id is None:
            return {"success": True, "message": "The task was stopped." if not resume else "Answer sent."}
        task = await self._call(self.svc.tasks.owned(caller.account, sessionId, outcome.task_id))
        return await self._finished(task, progress)

    # --- helpers ----------------------------------------------------------------------
    async def _policy(self, caller: Caller, policy_id: str | None) -> Policy | None:
        """The caller's active policy by id (docs/policies.md), or None without one."""
        return await self._call(self.svc.policies.for_session(caller.account, policy_id)) if policy_id else None

    @staticmethod
    async def _call(work: Awaitable[Any]) -> Any:
        try:
            return await work
        except Refused as refused:
            message = "Session not found" if refused.code == "SESSION_NOT_FOUND" else refused.message
            raise ToolFailure(f"{message} ({refused.code})") from None

    async def _finished(self, task: Task, progress: Progress) -> dict[str, Any]:
        """Wait for the task to end or ask a person, reporting its steps; its result in WebRun's shape."""
        task = await self._wait(task, progress)
        usage = usage_body(task.usage)
        body: dict[str, Any] = {"success": task.status is not TaskStatus.FAILED, "sessionId": task.session_id,
                                "taskId": task.id,
                                "usage": {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens",
                                                                "cost")}}
        if task.status is TaskStatus.COMPLETED and task.result is not None:
            body["result"] = task.result.message
            if task.result.data is not None:
                body["output"] = task.result.data
        elif task.status is TaskStatus.GUARDRAIL:
            body.update(status="guardrail", type="guardrail_trigger", data=guardrail_data(task),
                        message="The agent waits for a person: answer with answer_guardrail(sessionId, text), "
                                "or take over the session.")
        else:
            body.update(error=task.error or "The task failed.", code=task.error_code or "INTERNAL_ERROR")
        return body

    async def _wait(self, task: Task, progress: Progress) -> Task:
        svc = self.svc
        steps = 0
        with svc.hub.subscribe(task.session_id, maxsize=200) as events:
            done = asyncio.ensure_future(self._settled(task))
            try:
                while not done.done():
                    event_job = asyncio.ensure_future(events.get())
                    await asyncio.wait([done, event_job], return_when=asyncio.FIRST_COMPLETED)
                    if not event_job.done():
                        event_job.cancel()
                        continue
                    event = event_job.result()
                    if event is None or event.task_id != task.id:
                        continue
                    if isinstance(event, AgentThought):
                        steps = event.step
                        await progress(steps, f"Step {event.step}: {event.next_goal or event.thinking}"[:500])
                    elif isinstance(event, ActionTaken):
                        await progress(steps, f"{event.name}{(' ' + event.target) if event.target else ''}"[:500])
                return done.result()
            finally:
                if not done.done():
                    done.cancel()
                    with contextlib.suppress(BaseException):
                        await done

    async def _settled(self, task: Task) -> Task:
        while task.status not in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.GUARDRAIL):
            task = await self.svc.tasks.wait(task, 3600)
        return task
