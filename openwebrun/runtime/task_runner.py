"""Runs one task under its hard limits and turns every ending into a finished Task."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.loop import Agent
from openwebrun.agent.masking import mask_finished
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import TaskFinished, TaskStarted
from openwebrun.domain.models import TaskStatus, utcnow
from openwebrun.domain.pricing import Rates
from openwebrun.runtime.live_session import LiveSession, RunningTask

log = logging.getLogger(__name__)

STOP_RETRY_S = 1.0  # a stop cancels the task again this often until it has ended


async def run_task(live: LiveSession, running: RunningTask, agent: Agent,
                   on_end: Callable[[RunningTask], None], rates: Rates | None = None) -> None:
    """The body of a task's asyncio job; cancelling the job stops the task (code from `stop_reason`).

    The task's clock is its control's: maxDuration counts only the time the agent may act.
    """
    task = running.task
    control = running.control
    task.status = TaskStatus.RUNNING
    bytes_before = live.env.proxied_bytes
    try:
        control.emit(TaskStarted(task_details=task.spec.task_details))
        async with asyncio.timeout(task.spec.max_duration_ms / 1000) as clock:
            control.clock.attach(clock)
            task.result = await agent.run(task.spec, live.env, task.usage, control)
        task.status = TaskStatus.COMPLETED
    except TimeoutError:
        _fail(running, ErrorCode.MAX_DURATION_EXCEEDED,
              f"The task exceeded its maxDuration of {task.spec.max_duration_ms} ms and was stopped.")
    except TaskFailure as failure:
        _fail(running, failure.code, live.env.mask(failure.message))
    except asyncio.CancelledError:
        _fail(running, *running.stop_reason)
    except PlaywrightError as exc:
        if live.context.browser is None or not live.context.browser.is_connected():
            _fail(running, ErrorCode.BROWSER_CRASHED, "The browser of this session crashed.")
        else:
            log.exception("browser error in task %s", task.id)
            _fail(running, ErrorCode.INTERNAL_ERROR, live.env.mask(f"Browser error: {exc}"))
    except Exception as exc:  # the task fails, the server keeps serving
        log.exception("task %s failed unexpectedly", task.id)
        _fail(running, ErrorCode.INTERNAL_ERROR, live.env.mask(f"Internal error: {exc}"))
    finally:
        running.ending = True  # from here on a stop request waits instead of cancelling
        task.usage.compute_time = round(running.elapsed, 3)
        task.usage.proxy_bytes = live.env.proxied_bytes - bytes_before
        (rates or Rates()).apply(task.usage)
        task.completed_at = utcnow()
        task.guardrail = None
        mask_finished(task, live.env.mask_record)
        live.touch()
        control.emit(TaskFinished(task=task))
        running.finished.set()
        on_end(running)


async def stop_task(running: RunningTask | None, reason: tuple[ErrorCode, str]) -> None:
    """Stop a task's job (code and message from `reason`) and wait until its end is recorded."""
    if running is None or running.job is None:
        return
    if not running.ending:
        running.stop_reason = reason
        running.control.stop()
    while not running.finished.is_set():
        if not running.ending:
            running.job.cancel()  # again: Python 3.11's wait_for can swallow a cancellation
        waiter = asyncio.ensure_future(running.finished.wait())
        await asyncio.wait({waiter}, timeout=STOP_RETRY_S)
        waiter.cancel()


def _fail(running: RunningTask, code: ErrorCode, message: str) -> None:
    running.task.status = TaskStatus.FAILED
    running.task.error = message
    running.task.error_code = code.value
