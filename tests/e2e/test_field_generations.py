"""Every generation of WebRun's request fields runs its task (docs/api.md, "Field generations").

Each request names its task text and start URL the way one generation of clients does; the
scripted model answers only when its script tag arrives in the text, and the answer is read from
the page the browser opened, so a lost text or URL fails the task.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import done, poll_until_finished, script, terminate
from tests.support.socket_client import SessionSocket

FOUND = r"Logged in as \w+|Anonymous visitor|Pings: \d+|Reading list"


def _ran(body: dict, site: str, page: str, answer: str) -> None:
    """The task completed, started at `page`, and its answer came from that page."""
    assert body["status"] == "completed", body
    assert body["data"]["message"] == answer
    assert body["data"]["network"][0]["urls"][0]["url"] == f"{site}/{page}"


def _finished(api: httpx.Client, body: dict) -> dict:
    return body if body.get("status") in ("completed", "failed") else poll_until_finished(
        api, body["sessionId"], body["taskId"])


def _start_session(api: httpx.Client, fields: dict[str, Any]) -> dict:
    body = api.post("/start/start-session", json=fields).json()
    assert body["success"] is True, body
    terminate(api, body["sessionId"])
    return body


def _run_task(api: httpx.Client, fields: dict[str, Any]) -> dict:
    return api.post("/start/run-task", json=fields).json()


def _new_task(api: httpx.Client, message: dict[str, Any]) -> dict:
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    body = api.post("/start/send-message", json={"sessionId": session_id, "message": message}).json()
    terminate(api, session_id)
    return body


def _socket_task(api: httpx.Client, message: dict[str, Any]) -> dict:
    start = api.post("/start/start-session", json={}).json()
    with SessionSocket(start["socketURL"], start["sessionId"]) as sock:
        body = sock.send(message, ack=True)
    terminate(api, start["sessionId"])
    assert body is not None
    return body


Generation = tuple[str, Callable[[httpx.Client, dict[str, Any]], dict], Callable[[str, str], dict[str, Any]]]
GENERATIONS: list[Generation] = [
    ("start-session: newest task{prompt, startingUrl}", _start_session,
     lambda text, url: {"task": {"prompt": text, "startingUrl": url}}),
    ("start-session: era 1 initialTask{taskDetails, startingPoint}", _start_session,
     lambda text, url: {"initialTask": {"taskDetails": text, "startingPoint": url}}),
    ("start-session: old flat taskDetails, startingUrl", _start_session,
     lambda text, url: {"taskDetails": text, "startingUrl": url}),
    ("start-session: flat prompt, startingUrl", _start_session,
     lambda text, url: {"prompt": text, "startingUrl": url}),
    ("run-task: newest task{prompt, startingUrl} beside the session options", _run_task,
     lambda text, url: {"task": {"prompt": text, "startingUrl": url}, "mode": "default", "environmentId": None}),
    ("run-task: newest flat prompt, startingUrl", _run_task,
     lambda text, url: {"prompt": text, "startingUrl": url}),
    ("run-task: era 1 flat taskDetails, startingUrl", _run_task,
     lambda text, url: {"taskDetails": text, "startingUrl": url}),
    ("newTask: newest prompt, startingUrl, no newState", _new_task,
     lambda text, url: {"actionType": "newTask", "prompt": text, "startingUrl": url}),
    ("newTask: era 1 taskDetails, startingPoint, newState start", _new_task,
     lambda text, url: {"actionType": "newTask", "newState": "start", "taskDetails": text, "startingPoint": url}),
    ("socket newTask: newest prompt, startingUrl", _socket_task,
     lambda text, url: {"actionType": "newTask", "prompt": text, "startingUrl": url}),
]


@pytest.mark.parametrize("call, fields", [(g[1], g[2]) for g in GENERATIONS], ids=[g[0] for g in GENERATIONS])
def test_each_generation_runs_its_task(api, llm, site, call, fields):
    tag = script(llm, [done({"$match": FOUND})])
    body = _finished(api, call(api, fields(f"who is logged in? {tag}", f"{site}/whoami.html")))
    _run(body, site)


def _run(body: dict, site: str) -> None:
    """The task ran from whoami.html (a fresh browser: nobody logged in)."""
    _ran(body, site, "whoami.html", "Anonymous visitor")


def test_initial_prompt_echoes_the_normalised_text(api, llm, site):
    tag = script(llm, [done({"$match": FOUND})])
    body = api.post("/start/start-session", json={"task": {"prompt": " \n", "taskDetails": f"  read it {tag}\t"},
                                                  "startingPoint": f"{site}/ping.html"}).json()
    terminate(api, body["sessionId"])
    assert body["initialPrompt"] == f"read it {tag}"
    _ran(_finished(api, body), site, "ping.html", "Pings: 0")


def test_old_output_type_structured_is_structured_json(api, llm, site):
    tag = script(llm, [done({"title": {"$match": r"Reading list"}})])
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    body = _run_task(api, {"taskDetails": f"title {tag}", "startingUrl": f"{site}/list.html",
                           "outputType": "structured", "outputSchema": schema})
    assert body["status"] == "completed", body
    assert body["data"]["output"] == {"title": "Reading list"}
    assert body["data"]["message"] == '{"title":"Reading list"}'
    missing = _run_task(api, {"prompt": "x", "outputType": "structured"})
    assert missing["code"] == "VALIDATION_ERROR" and "outputSchema is required" in missing["error"], missing


def test_empty_prompt_starts_an_idle_session(api, llm, site):
    idle = api.post("/start/start-session", json={"task": {"prompt": "", "startingUrl": f"{site}/ping.html"}}).json()
    assert idle["success"] is True and idle["initialPrompt"] == "" and "taskId" not in idle, idle
    tag = script(llm, [done({"$match": FOUND})])
    later = api.post("/start/send-message", json={"sessionId": idle["sessionId"], "message": {
        "actionType": "newTask", "prompt": f"who {tag}", "startingUrl": f"{site}/whoami.html"}}).json()
    terminate(api, idle["sessionId"])
    _run(_finished(api, later), site)


def test_precedence_between_generations(api, llm, site):
    """prompt over taskDetails, startingUrl over startingPoint, task over initialTask over the body."""
    winner = script(llm, [done({"$match": FOUND})])
    loser = script(llm, [done("the wrong text was used")])
    body = _run_task(api, {"task": {"prompt": f"who {winner}", "taskDetails": f"who {loser}",
                                    "startingUrl": f"{site}/whoami.html", "startingPoint": f"{site}/ping.html"},
                           "initialTask": {"prompt": f"who {loser}", "startingUrl": f"{site}/list.html"},
                           "prompt": f"who {loser}", "startingUrl": f"{site}/list.html", "maxDuration": 60_000})
    _run(body, site)
    # a field the higher levels leave out comes from the next level down
    taskless = _run_task(api, {"task": {"startingUrl": f"{site}/whoami.html"}, "taskDetails": f"who {winner}"})
    _run(taskless, site)


@pytest.mark.parametrize("body, fragment", [
    ({}, "prompt or taskDetails is required"),
    ({"prompt": "  ", "taskDetails": ""}, "prompt or taskDetails is required"),
    ({"task": {"prompt": " "}}, "prompt or taskDetails is required"),
    ({"task": {"prompt": "x", "maxDuration": 5}}, "task.maxDuration"),
    ({"initialTask": {"prompt": "x", "outputType": "structured"}}, "outputSchema is required"),
    ({"prompt": "x", "outputType": "structure"}, "outputType"),
])
def test_run_task_refuses_what_no_generation_accepts(api, body, fragment):
    response = api.post("/start/run-task", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR" and fragment in response.json()["error"], response.text


@pytest.mark.parametrize("body, status, fragment", [
    ({"task": {"prompt": "", "maxInputTokens": -1}}, 400, "task.maxInputTokens"),
    ({"task": {"prompt": ""}, "files": ["0" * 32]}, 400, "Unknown file id(s): " + "0" * 32),
    ({"initialTask": {"taskDetails": " ", "startingUrl": "javascript:alert(1)"}}, 400, "startingPoint cannot be opened"),
])
def test_an_idle_session_still_checks_its_task_fields(api, body, status, fragment):
    response = api.post("/start/start-session", json=body)
    assert response.status_code == status and fragment in response.json()["error"], response.text
