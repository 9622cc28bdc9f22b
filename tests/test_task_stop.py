"""Stopping a task ends it even when its cancellation is swallowed (Python 3.11's wait_for returns
the result of a future that finished in the same turn as the cancel)."""
from __future__ import annotations

import asyncio

from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Task, TaskSpec
from openwebrun.runtime.control import TaskControl
from openwebrun.runtime.live_session import RunningTask
from openwebrun.runtime.task_runner import stop_task

REASON = (ErrorCode.SESSION_TERMINATED, "The session was terminated.")


def running_task(control: TaskControl) -> RunningTask:
    task = Task(id="t1", session_id="s1", account_id="a1", spec=TaskSpec(task_details="anything"))
    return RunningTask(task=task, control=control)


def taken_over_control() -> TaskControl:
    return TaskControl("s1", "t1", publish=lambda event: None, human_timeout_s=60, taken_over=True)


async def test_a_stop_whose_cancellation_a_wait_for_swallowed_still_ends_the_task():
    control = taken_over_control()
    running = running_task(control)
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    reached: list[str] = []

    async def agent() -> None:
        try:
            reached.append(await asyncio.wait_for(answer, 30))  # the model's answer arrives as the stop does
            await control.checkpoint()  # a person holds the browser: without the stop this waits for ever
            reached.append("acted")
        except asyncio.CancelledError:
            reached.append("cancelled")
        finally:
            running.finished.set()

    running.job = asyncio.ensure_future(agent())
    await asyncio.sleep(0)  # the agent is now waiting for its answer
    answer.set_result("click")
    await asyncio.wait_for(stop_task(running, REASON), 5)
    assert reached == ["click", "cancelled"]  # the cancel was swallowed, the checkpoint ended the task
    assert running.stop_reason == REASON


async def test_a_stopped_task_neither_acts_nor_waits_for_its_answer():
    control = taken_over_control()
    control.stop()
    try:
        async with control.acting():
            raise AssertionError("acted after the stop")
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("acting() let a stopped task act")
    question = asyncio.ensure_future(control.ask_human("Which one?", "choice"))
    await asyncio.sleep(0)
    control.stop()
    try:
        await asyncio.wait_for(question, 5)
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the question outlived the stop")
