"""End-to-end fixtures: the fixture site and openwebrun servers configured per test module."""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.recording_site import RecordingSite
from tests.support.servers import ServerProcess, static_site

SITE = Path(__file__).parent / "site"
_names = itertools.count()


@pytest.fixture(scope="session")
def site():
    with static_site(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def rsite():
    """The fixture site, recording what reaches it and what its pages report."""
    site = RecordingSite(SITE).start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def make_server(llm, tmp_path_factory) -> Callable[..., ServerProcess]:
    """Start `openwebrun serve` with extra environment; all are stopped at module end."""
    started: list[ServerProcess] = []

    def make(host: str = "127.0.0.1", **env: str) -> ServerProcess:
        base = {"OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "test",
                "OPENWEBRUN_LLM_MAX_RETRIES": "0",
                "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true"}  # the fixture site is on loopback
        base.update(env)
        server = ServerProcess(tmp_path_factory.mktemp("server"), {k: v for k, v in base.items() if v is not None},
                               host=host)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(make_server) -> ServerProcess:
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="30")


@pytest.fixture(scope="module")
def api(server) -> httpx.Client:
    with server.client() as client:
        yield client


def script(llm, steps: list[dict]) -> str:
    """Register a script under a fresh name; returns the tag to put into the task text."""
    return llm.script(f"s{next(_names)}", steps)


def done(result, success: bool = True) -> dict:
    return {"thinking": "finished", "next_goal": "report", "actions": [{"action": "done", "success": success, "result": result}]}


def act(*actions: dict, goal: str = "act") -> dict:
    return {"thinking": "working", "next_goal": goal, "actions": list(actions)}


def wait_until(condition: Callable[[], bool], timeout: float = 30, interval: float = 0.1) -> None:
    """Until `condition()` holds (checked every `interval`); AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def poll_until_finished(client: httpx.Client, session_id: str, task_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/task/{session_id}/{task_id}").json()
        if body.get("status") in ("completed", "failed"):
            return body
        time.sleep(0.25)
    raise AssertionError(f"task {task_id} did not finish in {timeout}s")


def send_task(client: httpx.Client, session_id: str, details: str, **fields) -> httpx.Response:
    return client.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "newTask", "taskDetails": details, **fields}})


def terminate(client: httpx.Client, session_id: str) -> httpx.Response:
    return client.post("/start/send-message", json={"sessionId": session_id,
                                                    "message": {"actionType": "state", "newState": "terminate"}})
