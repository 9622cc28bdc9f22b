"""The SDK drives the API end to end: real server, scripted LLM, real Chromium."""
from __future__ import annotations

import pytest

from openwebrun import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    TaskFailedError,
)
from tests.e2e.conftest import act, done, script
from tests.support.servers import API_KEY

ASK = act({"action": "ask_human", "question": "Which book?", "reason": "choice"})


@pytest.fixture(scope="module")
def sdk_server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="1")  # start calls answer "pending" quickly: the SDK waits


@pytest.fixture()
def client(sdk_server):
    with Client(sdk_server.base_url, API_KEY) as c:
        yield c


def test_download_file_steps_and_webhook_list(client, llm, site):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}, goal="get the report"),
                       done("downloaded")])
    task = client.run_task(f"get it {tag}", starting_url=f"{site}/download.html")
    assert task.status == "completed" and task.message == "downloaded" and task.usage and task.usage.input_tokens > 0
    [report] = task.data.files if task.data else []
    assert report.filename == "report.csv" and report.download_url
    signed = client.files.download(report.download_url)
    assert signed == (site_file("report.csv")) == client.files.download(report.file_id or "")
    with Client(client.base_url, "") as keyless:  # a signed link needs no key
        assert keyless.files.download(report.download_url) == signed
    steps = client.tasks.steps(task.session_id, task.task_id or "")
    assert [s.number for s in steps] == [1, 2] and steps[0].next_goal == "get the report"
    assert client.tasks.screenshot(task.session_id, task.task_id or "", 1)[:2] == b"\xff\xd8"
    assert client.tasks.webhooks(task.session_id, task.task_id or "") == []


def site_file(name: str) -> bytes:
    from tests.e2e.conftest import SITE
    return (SITE / name).read_bytes()


def test_stop_fails_the_task_with_its_code_and_guardrail_stop(client, llm, site):
    gate = "sdk-stop"
    tag = script(llm, [{"gate": gate, **done("never")}])
    session = client.sessions.start(f"wait {tag}", starting_url=f"{site}/form.html", wait=False)
    assert session.task is not None and session.task.pending
    llm.gate(gate).wait_arrived()
    client.sessions.stop(session.session_id)
    llm.gate(gate).release()
    with pytest.raises(TaskFailedError) as failed:
        client.tasks.wait(session.task)
    assert failed.value.code == "STOPPED" and failed.value.task.status == "failed"
    with pytest.raises(ConflictError) as conflict:
        client.sessions.pause(session.session_id)
    assert conflict.value.code == "NO_RUNNING_TASK" and conflict.value.status == 409
    asked = client.sessions.new_task(session.session_id, f"choose {script(llm, [ASK])}")
    assert asked.guardrail is not None and asked.guardrail.question == "Which book?" and asked.guardrail.reason == "choice"
    client.sessions.answer(session.session_id, "none", stop=True)
    stopped = client.tasks.wait(asked, raise_on_failure=False)
    assert stopped.status == "failed" and stopped.code == "STOPPED"
    client.sessions.terminate(session.session_id)
    with pytest.raises(AuthenticationError) as gone:
        client.sessions.resume(session.session_id)
    assert gone.value.code == "SESSION_NOT_FOUND"


def test_refusals_raise_with_codes(client, sdk_server):
    with pytest.raises(BadRequestError) as bad:
        client.run_task("x", max_duration=5)
    assert bad.value.code == "VALIDATION_ERROR" and "maxDuration" in bad.value.message
    with pytest.raises(NotFoundError) as missing:
        client.tasks.get("0" * 32, "0" * 32)
    assert missing.value.code == "TASK_NOT_FOUND"
    with pytest.raises(NotFoundError) as unknown_env:  # environment_id goes beside the task
        client.run_task("x", environment_id="env_1")
    assert unknown_env.value.code == "ENVIRONMENT_NOT_FOUND"
    with pytest.raises(NotFoundError):
        client.sessions.start(environment_id="env_1")
    with pytest.raises(BadRequestError) as no_file:
        client.run_task("x", files=["f" * 32])
    assert no_file.value.code == "FILE_NOT_FOUND"
    with pytest.raises(BadRequestError) as loud:
        client.sessions.start(reach_out_mode="loud")
    assert loud.value.code == "VALIDATION_ERROR"
    assert "reachOutMode must be one of: off, guardrail_only, full" in loud.value.message
    with Client(sdk_server.base_url, "owr_nobody") as stranger, pytest.raises(AuthenticationError) as who:
        stranger.files.upload(("a.txt", b"a"))
    assert who.value.code == "UNAUTHORIZED" and who.value.status == 401


async def test_async_client_guardrail_round_trip_on_the_socket(sdk_server, llm, site):
    name = "sdk-socket-guardrail"
    tag = llm.script(name, [act({"action": "wait", "seconds": 0}, goal="look"), ASK, done("picked")])
    async with AsyncClient(sdk_server.base_url, API_KEY) as client:
        session = await client.sessions.start(expires_in=60_000)
        sid = session.session_id
        seen: list[str] = []
        async with client.socket(sid) as socket:  # connected before the task starts: every event arrives
            task = await client.sessions.new_task(sid, f"pick {tag}", starting_url=f"{site}/form.html", wait=False)
            async for event in socket.events():
                seen.append(event.type)
                if event.type == "guardrail_trigger":
                    assert event.task_id == task.task_id and event.data["value"] == "Which book?"
                    await client.sessions.answer(sid, "Emma")
                if event.type == "task_completed":
                    break
        finished = await client.tasks.wait(task)  # settled already: one poll
        assert finished.status == "completed" and finished.message == "picked"
        assert "The person answered: Emma" in repr(llm.requests_for(name)[-1]["messages"])  # masked in results only
        assert seen.count("guardrail_trigger") == 1 and "agent" in seen and "action" in seen, seen
        await client.sessions.terminate(sid)


@pytest.mark.parametrize("use_socket", [True, False])
async def test_async_wait_after_a_guardrail_answer(sdk_server, llm, site, use_socket):
    tag = script(llm, [ASK, done("picked")])
    async with AsyncClient(sdk_server.base_url, API_KEY, use_socket=use_socket) as client:
        asked = await client.run_task(f"pick {tag}", starting_url=f"{site}/form.html")
        assert asked.guardrail is not None and asked.guardrail.question == "Which book?"
        await client.sessions.answer(asked.session_id, "Emma")
        finished = await client.tasks.wait(asked)
        assert finished.status == "completed" and finished.message == "picked"


async def test_polled_events_without_a_socket(sdk_server, llm, site):
    tag = script(llm, [act({"action": "wait", "seconds": 0}, goal="look"), done("seen")])
    async with AsyncClient(sdk_server.base_url, API_KEY, use_socket=False) as client:
        task = await client.tasks.run(f"look {tag}", starting_url=f"{site}/form.html", wait=False)
        events = [event async for event in client.events(task.session_id, task.task_id)]
    assert events[-1].type == "task_completed" and events[-1].data["message"] == "seen"
    steps = [e.data["step"] for e in events if e.type == "agent"]
    assert steps in ([1], [1, 2]), steps  # the last step's record may land just after the task's end


async def test_async_interaction_commands_reach_the_page(sdk_server, llm, site):
    tag = script(llm, [done({"$match": r"Your name[^\n]*"})])
    async with AsyncClient(sdk_server.base_url, API_KEY) as client:
        session = await client.sessions.start(f"open {script(llm, [done('open')])}", starting_url=f"{site}/form.html")
        sid = session.session_id
        await client.sessions.take_over(sid)
        await client.sessions.release(sid)
        await client.sessions.key_press(sid, "Tab")  # focus the first field
        await client.sessions.type(sid, "Ada")
        read = await client.sessions.new_task(sid, f"read {tag}")
        assert read.status == "completed" and "Ada" in (read.message or ""), read
        await client.sessions.terminate(sid)
