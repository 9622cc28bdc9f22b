"""The agent loop: observe -> decide -> act, until done or a limit is hit."""
from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from typing import Any, Awaitable, Callable

from openwebrun.agent.actions.catalog import decision_schema
from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.env import ActionResult, PageState
from openwebrun.agent.llm.base import LLMClient, LLMError, LLMOutputError
from openwebrun.agent.masking import Masker, mask_step
from openwebrun.agent.output import check_output
from openwebrun.agent.prompts import build_messages
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.models import StepRecord, TaskResult, TaskSpec, Usage
from openwebrun.domain.pricing import cost_usd

log = logging.getLogger(__name__)

StepCallback = Callable[[StepRecord], Awaitable[None]]

LLM_NOT_CONFIGURED_MESSAGE = (
    "No LLM is configured. Set OPENWEBRUN_MODEL (e.g. gpt-4o-mini) and OPENAI_API_KEY, or point "
    "OPENAI_BASE_URL at an OpenAI-compatible server (Ollama, vLLM, llama.cpp), then restart the server."
)
MAX_CALL_OUTPUT_TOKENS = 4096
HISTORY_STEPS = 12
LOOP_WARN_AT = 3
LOOP_FAIL_AT = 5
OUTPUT_ATTEMPTS = 3
HISTORY_RESULT_CHARS = 300  # longer action output is shown in full once, the step after
READ_LIMIT = 20_000


class Agent:
    def __init__(self, llm: LLMClient | None, *, prices: dict[str, tuple[float, float]], max_steps: int = 50,
                 vision: bool = False, on_step: StepCallback | None = None, task_id: str = "",
                 step_screenshots: bool = True):
        self.llm = llm
        self.prices = prices
        self.max_steps = max_steps
        self.vision = vision
        self.on_step = on_step
        self.task_id = task_id
        self.step_screenshots = step_screenshots  # keep a screenshot with each recorded step
        self.mask: Masker = str  # the env's masker while a task runs: recorded steps are masked

    async def run(self, spec: TaskSpec, env: BrowserEnv, usage: Usage) -> TaskResult:
        """Carry out `spec` in `env`, adding to `usage` as it goes. Raises TaskFailure."""
        if self.llm is None:
            raise TaskFailure(ErrorCode.LLM_NOT_CONFIGURED, LLM_NOT_CONFIGURED_MESSAGE)
        self.mask = env.mask
        urls_mark, files_mark = len(env.visited_urls), len(env.downloads)
        if spec.starting_point:
            await env.goto(spec.starting_point)
        history: list[str] = []
        notes: list[str] = []
        seen: Counter[str] = Counter()
        output_attempts = 0
        for number in range(1, self.max_steps + 1):
            state = await env.observe()
            shot = await self._screenshot(env) if (self.vision or self.step_screenshots) else None
            vision_b64 = base64.b64encode(shot).decode() if (self.vision and shot) else None
            messages = build_messages(spec, history[-HISTORY_STEPS:], state, notes, sorted(env.files), vision_b64)
            notes = []
            decision, step = await self._decide(spec, messages, usage, number, state)
            step.screenshot = shot if self.step_screenshots else None
            actions = decision.get("actions") or []
            results = await env.execute(actions)
            step.results = [r.error or r.message for r in results]
            step.error = next((r.error for r in results if r.error), None)
            await self._record(step)
            history.append(_history_line(number, decision, actions, results))
            notes.extend(f"Output of {a.get('action')}:\n{r.message[:READ_LIMIT]}"
                         for a, r in zip(actions, results) if len(r.message) > HISTORY_RESULT_CHARS)

            final = next((r for r in results if r.done), None)
            if final is not None:
                if not final.success:
                    raise TaskFailure(ErrorCode.TASK_NOT_COMPLETED, _as_text(final.output) or "The agent could not complete the task.")
                check = check_output(spec.output_type, spec.output_schema, final.output)
                if check.ok:
                    return TaskResult(message=check.message, data=check.data,
                                      files=env.downloads[files_mark:], urls=env.visited_urls[urls_mark:])
                output_attempts += 1
                if output_attempts >= OUTPUT_ATTEMPTS:
                    raise TaskFailure(ErrorCode.OUTPUT_INVALID,
                                      "The result did not match the output schema: " + "; ".join(check.errors))
                notes.append("Your done result was rejected: " + "; ".join(check.errors) + ". Call done again with a valid result.")
                continue

            signature = f"{state.url}|{hash(state.text)}|{json.dumps(actions, sort_keys=True)}"
            seen[signature] += 1
            if seen[signature] >= LOOP_FAIL_AT:
                raise TaskFailure(ErrorCode.LOOP_DETECTED, "The agent repeated the same action on the same page without progress.")
            if seen[signature] >= LOOP_WARN_AT:
                notes.append("You have repeated the same actions on the same page several times without progress. Try something different.")
        raise TaskFailure(ErrorCode.MAX_STEPS_EXCEEDED, f"The task did not finish within {self.max_steps} steps.")

    async def _decide(self, spec: TaskSpec, messages: list[dict[str, Any]], usage: Usage,
                      number: int, state: PageState) -> tuple[dict[str, Any], StepRecord]:
        remaining_out = spec.max_output_tokens - usage.output_tokens
        if usage.input_tokens >= spec.max_input_tokens or remaining_out <= 0:
            raise TaskFailure(ErrorCode.TOKEN_LIMIT_EXCEEDED, _token_message(spec, usage))
        assert self.llm is not None
        try:
            reply = await self.llm.decide(messages, decision_schema(),
                                          max_output_tokens=min(remaining_out, MAX_CALL_OUTPUT_TOKENS))
        except LLMOutputError as exc:
            self._add_usage(usage, getattr(exc, "input_tokens", 0), getattr(exc, "output_tokens", 0))
            raise TaskFailure(ErrorCode.LLM_ERROR, f"The model's output could not be used: {exc}") from exc
        except LLMError as exc:
            raise TaskFailure(ErrorCode.LLM_ERROR, f"The LLM request failed: {exc}") from exc
        self._add_usage(usage, reply.input_tokens, reply.output_tokens)
        decision = reply.data
        step = StepRecord(task_id=self.task_id, number=number, url=state.url, title=state.title,
                          thinking=str(decision.get("thinking") or ""), next_goal=str(decision.get("next_goal") or ""),
                          actions=list(decision.get("actions") or []),
                          input_tokens=reply.input_tokens, output_tokens=reply.output_tokens)
        if usage.input_tokens > spec.max_input_tokens or usage.output_tokens > spec.max_output_tokens:
            await self._record(step)
            raise TaskFailure(ErrorCode.TOKEN_LIMIT_EXCEEDED, _token_message(spec, usage))
        return decision, step

    def _add_usage(self, usage: Usage, input_tokens: int, output_tokens: int) -> None:
        assert self.llm is not None
        usage.input_tokens += input_tokens
        usage.output_tokens += output_tokens
        usage.cost = cost_usd(self.prices, self.llm.model, usage.input_tokens, usage.output_tokens)

    async def _screenshot(self, env: BrowserEnv) -> bytes | None:
        try:
            return await env.screenshot_jpeg()
        except Exception as exc:  # a screenshot is a record, not a requirement
            log.debug("screenshot failed: %s", exc)
            return None

    async def _record(self, step: StepRecord) -> None:
        if self.on_step is not None:
            await self.on_step(mask_step(step, self.mask))


def _token_message(spec: TaskSpec, usage: Usage) -> str:
    return (f"Token limit exceeded: {usage.input_tokens} input tokens (limit {spec.max_input_tokens}), "
            f"{usage.output_tokens} output tokens (limit {spec.max_output_tokens}).")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _history_line(number: int, decision: dict[str, Any], actions: list[dict], results: list[ActionResult]) -> str:
    done = []
    for action, result in zip(actions, results):
        outcome = f"error: {result.error}" if result.error else (result.message or "ok")
        done.append(f"{json.dumps(action, ensure_ascii=False)} -> {outcome[:HISTORY_RESULT_CHARS]}")
    skipped = len(actions) - len(results)
    tail = f" ({skipped} later actions skipped: page changed)" if skipped > 0 else ""
    return f"Step {number}: {decision.get('next_goal', '')}\n  " + "\n  ".join(done) + tail
