"""The agent loop: observe -> decide -> act, until done or a limit is hit."""
from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from openwebrun.agent.actions.catalog import decision_schema
from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.control import AutonomousControl, Control
from openwebrun.agent.env import ActionResult, PageState
from openwebrun.agent.llm.base import LLMClient, LLMError, LLMOutputError
from openwebrun.agent.masking import Masker, mask_step
from openwebrun.agent.output import check_output
from openwebrun.agent.policy_gate import PolicyGate
from openwebrun.agent.prompts import build_messages
from openwebrun.agent.result_schema import result_schema
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import ActionTaken, AgentThought, StepRecorded, UrlChanged
from openwebrun.domain.models import StepRecord, TaskResult, TaskSpec, Usage
from openwebrun.domain.pricing import cost_usd

log = logging.getLogger(__name__)


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
                 vision: bool = False, task_id: str = "", step_screenshots: bool = True):
        self.llm = llm
        self.prices = prices
        self.max_steps = max_steps
        self.vision = vision
        self.task_id = task_id
        self.control: Control = AutonomousControl()
        self.step_screenshots = step_screenshots  # keep a screenshot with each recorded step
        self.mask: Masker = str  # what is recorded is masked with the env's record masker while a task runs

    async def run(self, spec: TaskSpec, env: BrowserEnv, usage: Usage, control: Control | None = None) -> TaskResult:
        """Carry out `spec` in `env`, adding to `usage` as it goes. Raises TaskFailure.

        `control` is how people steer the task: checkpoints before each decision and action,
        questions to a person, and where the agent's events go.
        """
        if self.llm is None:
            raise TaskFailure(ErrorCode.LLM_NOT_CONFIGURED, LLM_NOT_CONFIGURED_MESSAGE)
        self.control = control = control or self.control
        self.mask = env.mask_record
        env.vision = self.vision  # click_at is offered and accepted only with vision
        gate = PolicyGate(spec.policy, control, env) if spec.policy is not None else None
        try:
            return await self._run(spec, env, usage, control, gate)
        finally:
            if gate is not None:
                gate.close()

    async def _run(self, spec: TaskSpec, env: BrowserEnv, usage: Usage, control: Control,
                   gate: PolicyGate | None) -> TaskResult:
        urls_mark, files_mark = len(env.visited_urls), len(env.downloads)
        if spec.starting_point:
            await control.checkpoint()
            if gate is not None and (refused := await gate.check({"action": "navigate", "url": spec.starting_point})):
                raise TaskFailure(ErrorCode.POLICY_BLOCKED, f"The starting point was not opened: {refused.error}")
            await env.goto(spec.starting_point)
        history: list[str] = []
        notes: list[str] = []
        seen: Counter[str] = Counter()
        output_attempts = 0
        for number in range(1, self.max_steps + 1):
            await control.checkpoint()
            notes.extend(control.human_notes())
            mark = control.interruptions  # a takeover from now on voids this step's decision
            state = await env.observe()
            wanted = (self.vision or self.step_screenshots) and (gate is None or gate.screenshots_allowed())
            shot = await self._screenshot(env) if wanted else None
            vision_b64 = base64.b64encode(shot).decode() if (self.vision and shot) else None
            messages = build_messages(spec, history[-HISTORY_STEPS:], state, notes, sorted(env.files), vision_b64,
                                      secret_fields=env.secret_book.names(), vision=self.vision,
                                      policy_role=spec.policy.llm_role if spec.policy is not None else "")
            notes = []
            decision, step = await self._decide(spec, messages, usage, number, state)
            step.screenshot = shot if self.step_screenshots else None
            actions = decision.get("actions") or []
            control.emit(AgentThought(step=number, thinking=env.mask_record(step.thinking),
                                      next_goal=env.mask_record(step.next_goal)))
            logged = len(env.visited_urls)
            results = await env.execute(actions, self._around(env, number, mark, gate), {"ask_human": self._ask_human})
            _note_blocked(results, [u.url for u in env.visited_urls[logged:] if u.blocked])
            notes.extend(env.take_notes())
            if len(results) < len(actions) and not any(r.error or r.done or r.page_changed for r in results):
                notes.append("Your remaining actions were not run: a person took over the browser meanwhile.")
            url = env.page.url if env.page is not None and not env.page.is_closed() else state.url
            if url != state.url:
                control.emit(UrlChanged(url=env.mask_record(url)))
            step.results = [env.mask_record(r.error or r.message) for r in results]
            step.error = next((env.mask_record(r.error) for r in results if r.error), None)
            await self._record(step)
            history.append(env.mask(_history_line(number, decision, actions, results)))  # read-backs too
            notes.extend(f"Output of {a.get('action')}:\n{r.message[:READ_LIMIT]}"
                         for a, r in zip(actions, results) if len(r.message) > HISTORY_RESULT_CHARS)

            final = next((r for r in results if r.done), None)
            if final is not None:
                if not final.success:
                    raise TaskFailure(ErrorCode.TASK_NOT_COMPLETED,
                                      _as_text(final.output) or "The agent could not complete the task.")
                check = check_output(spec.output_type, spec.output_schema, final.output)
                if check.ok:
                    return TaskResult(message=check.message, data=check.data,
                                      files=env.downloads[files_mark:], urls=env.visited_urls[urls_mark:])
                output_attempts += 1
                if output_attempts >= OUTPUT_ATTEMPTS:
                    raise TaskFailure(ErrorCode.OUTPUT_INVALID,
                                      "The result did not match the output schema: " + "; ".join(check.errors))
                notes.append("Your done result was rejected: " + "; ".join(check.errors)
                             + ". Call done again with a valid result.")
                continue

            signature = f"{state.url}|{hash(state.text)}|{json.dumps(actions, sort_keys=True)}"
            seen[signature] += 1
            if seen[signature] >= LOOP_FAIL_AT:
                raise TaskFailure(ErrorCode.LOOP_DETECTED,
                                  "The agent repeated the same action on the same page without progress.")
            if seen[signature] >= LOOP_WARN_AT:
                notes.append("You have repeated the same actions on the same page several times without progress. "
                             "Try something different.")
        raise TaskFailure(ErrorCode.MAX_STEPS_EXCEEDED, f"The task did not finish within {self.max_steps} steps.")

    async def _decide(self, spec: TaskSpec, messages: list[dict[str, Any]], usage: Usage,
                      number: int, state: PageState) -> tuple[dict[str, Any], StepRecord]:
        remaining_out = spec.max_output_tokens - usage.output_tokens
        if usage.input_tokens >= spec.max_input_tokens or remaining_out <= 0:
            raise TaskFailure(ErrorCode.TOKEN_LIMIT_EXCEEDED, _token_message(spec, usage))
        assert self.llm is not None
        try:
            # done.result narrowed for the model; the output check after done judges the result itself
            narrowed = decision_schema(result_schema(spec.output_type, spec.output_schema), vision=self.vision)
            reply = await self.llm.decide(messages, narrowed, accept=decision_schema(vision=self.vision, lenient=True),
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
        usage.token_cost = cost_usd(self.prices, self.llm.model, usage.input_tokens, usage.output_tokens)
        usage.cost = max(usage.cost, usage.token_cost)  # the runtime adds compute time and traffic

    async def _screenshot(self, env: BrowserEnv) -> bytes | None:
        try:
            return await env.screenshot_jpeg()
        except Exception as exc:  # a screenshot is a record, not a requirement
            log.debug("screenshot failed: %s", exc)
            return None

    async def _record(self, step: StepRecord) -> None:
        self.control.emit(StepRecorded(step=mask_step(step, self.mask)))

    def _around(self, env: BrowserEnv, number: int, mark: int, gate: PolicyGate | None = None):
        """Each action waits at a checkpoint, is judged by the session's policy (`gate`), holds the
        input lock, and is skipped when a person took the browser over since the page was observed
        (the page it decided on may be gone)."""
        control = self.control

        @contextlib.asynccontextmanager
        async def around(action: dict[str, Any]) -> AsyncIterator[bool | ActionResult]:
            if isinstance(action, dict) and action.get("action") == "ask_human":
                await control.checkpoint()  # a question leaves the browser free for the person
                yield control.interruptions == mark
                return
            if gate is not None:
                await control.checkpoint()
                refused = await gate.check(action)  # a guardrail waits here for a person, outside the input lock
                if refused is not None:
                    yield refused
                    return
            async with control.acting():
                if control.interruptions != mark:
                    yield False
                    return
                if isinstance(action, dict):
                    params = {k: v for k, v in action.items() if k != "action"}
                    control.emit(ActionTaken(step=number, name=str(action.get("action")),
                                             params=_masked_values(params, env.mask_record),
                                             target=env.mask_record(env.element_line(action.get("index")))))
                yield True
        return around

    async def _ask_human(self, env: BrowserEnv, params: dict[str, Any]) -> ActionResult:
        """ask_human: wait (checkpoint-free: the clock stops) for a person's answer."""
        question = env.mask_record(str(params.get("question") or ""))
        answer = await self.control.ask_human(question, str(params.get("reason") or "other"))
        env.add_answer(answer)
        if not answer:
            return ActionResult(message="The person did not answer but asked you to go on; the page may have "
                                        "changed.", page_changed=True)
        return ActionResult(message=f"The person answered: {answer}", page_changed=True)


def _masked_values(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _masked_values(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_values(v, mask) for v in value]
    return value


def _token_message(spec: TaskSpec, usage: Usage) -> str:
    return (f"Token limit exceeded: {usage.input_tokens} input tokens (limit {spec.max_input_tokens}), "
            f"{usage.output_tokens} output tokens (limit {spec.max_output_tokens}).")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _note_blocked(results: list[ActionResult], urls: list[str], shown: int = 5) -> None:
    """Tell, in the step's last result, which requests the task's avoidDomains blocked meanwhile."""
    if not urls or not results or results[-1].done:
        return
    unique = list(dict.fromkeys(urls))
    listed, more = ", ".join(unique[:shown]), len(unique) - shown
    note = f" [blocked by the task's avoidDomains: {listed}" + (f" and {more} more" if more > 0 else "") + "]"
    last = results[-1]
    if last.error:
        last.error += note
    else:
        last.message += note


def _history_line(number: int, decision: dict[str, Any], actions: list[dict], results: list[ActionResult]) -> str:
    done = []
    for action, result in zip(actions, results):
        outcome = f"error: {result.error}" if result.error else (result.message or "ok")
        done.append(f"{json.dumps(action, ensure_ascii=False)} -> {outcome[:HISTORY_RESULT_CHARS]}")
    skipped = len(actions) - len(results)
    tail = f" ({skipped} later actions skipped: page changed)" if skipped > 0 else ""
    return f"Step {number}: {decision.get('next_goal', '')}\n  " + "\n  ".join(done) + tail
