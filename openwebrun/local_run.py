"""`openwebrun run`: one task in a local Chromium, no server, progress printed as it goes."""
from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.control import AutonomousControl
from openwebrun.agent.llm.factory import build_llm
from openwebrun.agent.loop import Agent
from openwebrun.browser.launch import find_chromium
from openwebrun.browser.pool import BrowserPool
from openwebrun.browser.reach import Reach
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import Event, StepRecorded
from openwebrun.domain.models import OutputType, TaskResult, TaskSpec, Usage
from openwebrun.settings import Settings


def build_spec(task: str, url: str | None, schema_file: str | None, csv_columns: str | None,
               max_duration_ms: int) -> TaskSpec:
    spec = TaskSpec(task_details=task, starting_point=url, max_duration_ms=max_duration_ms)
    if schema_file and csv_columns:
        raise ValueError("give either --output-schema or --csv, not both")
    if schema_file:
        spec.output_type = OutputType.STRUCTURED_JSON
        spec.output_schema = json.loads(Path(schema_file).read_text())
    elif csv_columns:
        spec.output_type = OutputType.STRUCTURED_CSV
        spec.output_schema = [c.strip() for c in csv_columns.split(",") if c.strip()]
    return spec


def _progress(out: TextIO):
    def show(event: Event) -> None:
        if not isinstance(event, StepRecorded):
            return
        step = event.step
        actions = ", ".join(_short(a) for a in step.actions) or "(none)"
        print(f"step {step.number}: {step.next_goal or step.thinking}".rstrip(), file=out, flush=True)
        print(f"  at {step.url}", file=out)
        print(f"  actions: {actions}", file=out)
        if step.error:
            print(f"  error: {step.error}", file=out)
        out.flush()
    return show


class TerminalControl(AutonomousControl):
    """The local user is the person the agent may ask: on a terminal, its questions are asked there."""

    def __init__(self, on_event: Callable[[Event], None], stdin: TextIO, out: TextIO):
        super().__init__(on_event)
        self.stdin = stdin
        self.out = out

    async def ask_human(self, question: str, reason: str, details: dict[str, str] | None = None) -> str:
        if not self.stdin.isatty():
            return await super().ask_human(question, reason, details)
        print(f"\nthe agent asks ({reason}): {question}\nyour answer: ", end="", file=self.out, flush=True)
        line = await asyncio.to_thread(self.stdin.readline)
        if not line:
            raise TaskFailure(ErrorCode.HUMAN_INPUT_UNAVAILABLE, f"No answer to the agent's question: {question}")
        return line.rstrip("\r\n")


def _short(action: dict[str, Any]) -> str:
    name = action.get("action", "?")
    args = {k: v for k, v in action.items() if k != "action" and v is not None}
    text = json.dumps(args, ensure_ascii=False)
    return f"{name}{text if len(text) < 80 else text[:77] + '…}'}"


async def run_local(settings: Settings, spec: TaskSpec, out: TextIO = sys.stderr) -> TaskResult:
    """Run `spec` to the end; raises TaskFailure like a server task would."""
    pool = BrowserPool(find_chromium(settings.chromium_path), headless=settings.headless,
                       reach=Reach(allow_private=settings.allow_private_networks(default=True)))
    await pool.start(warm=False)
    usage = Usage()
    try:
        context = await pool.new_context()
        with tempfile.TemporaryDirectory() as downloads:
            env = BrowserEnv(context, downloads_dir=Path(downloads),
                             navigation_timeout_ms=settings.navigation_timeout_ms, reach=pool.reach,
                             lane=pool.lane(context))
            env.add_secrets(spec.secrets)
            env.set_avoid_domains(spec.avoid_domains)
            agent = Agent(build_llm(settings), prices=settings.prices, max_steps=settings.max_steps,
                          vision=settings.vision)
            try:
                async with asyncio.timeout(spec.max_duration_ms / 1000):
                    return await agent.run(spec, env, usage, TerminalControl(_progress(out), sys.stdin, out))
            except TimeoutError:
                raise TaskFailure(ErrorCode.MAX_DURATION_EXCEEDED,
                                  f"The task exceeded {spec.max_duration_ms} ms.") from None
            finally:
                env.close()
                print(f"tokens: {usage.input_tokens} in, {usage.output_tokens} out; cost ${usage.cost:.4f}",
                      file=out, flush=True)
    finally:
        await pool.close()
