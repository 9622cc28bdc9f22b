"""Steering a running agent over HTTP: takeover and raw input, queue, pause, guardrails."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import act, done, poll_until_finished, script, send_task, terminate
from tests.support.socket_client import SessionSocket

HUMAN_NOTE = "A person took over the browser"


@pytest.fixture(scope="module")
def api(make_server):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_GUARDRAIL_TIMEOUT_S="30")
    with server.client() as client:
        yield client


def message(client: httpx.Client, session_id: str, body: dict) -> httpx.Response:
    return client.post("/start/send-message", json={"sessionId": session_id, "message": body})


def interact(client: httpx.Client, session_id: str, **action) -> httpx.Response:
    return message(client, session_id, {"actionType": "interaction", "action": action})


def state(client: httpx.Client, session_id: str, new_state: str) -> httpx.Response:
    return message(client, session_id, {"actionType": "state", "newState": new_state})


def start_task(client: httpx.Client, details: str, url: str, **fields) -> dict:
    body = client.post("/start/start-session", json={"initialTask": {"taskDetails": details, "startingPoint": url,
                                                                      **fields}}).json()
    assert body["success"] is True and body["taskId"], body
    return body


def test_takeover_input_lands_exactly_and_the_agent_is_told(api, llm, rsite):
    held = f"takeover-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **act({"action": "navigate", "url": f"{rsite.url}/list.html"})},
                       done({"$match": r"Submitted \w+"})])
    gate = llm.gate(held)
    start = start_task(api, f"enter the code {tag}", f"{rsite.url}/control.html")
    sid = start["sessionId"]
    gate.wait_arrived()
    refused = interact(api, sid, type="CLICK", x=150, y=215)
    assert refused.status_code == 409 and refused.json()["code"] == "TAKE_OVER_FIRST", refused.text

    assert interact(api, sid, type="takeOverControl").json() == {"success": True, "message": "Message sent successfully"}
    gate.release()  # the decision made before the takeover must not run
    click = interact(api, sid, type="CLICK", x=150, y=215)
    assert click.status_code == 200, click.text
    assert rsite.wait_report("click", target="code") == {"type": "click", "x": 150, "y": 60, "target": "code"}
    assert interact(api, sid, type="DOUBLE_CLICK", x=600.0, y=155 + 200).status_code == 200
    assert rsite.wait_report("dblclick")["x"] == 600 and rsite.wait_report("dblclick")["y"] == 200
    assert interact(api, sid, type="CLICK", x=150, y=215).status_code == 200  # focus the field again
    assert interact(api, sid, type="TYPE", text="HELLO", humanLike=True).status_code == 200
    rsite.wait_report("key", key="O", target="code")
    for bad in ({"x": -1, "y": 300}, {"x": 1025, "y": 300}, {"x": 10, "y": 154}, {"x": 10, "y": 601}):
        out = interact(api, sid, type="CLICK", **bad)
        assert out.status_code == 400 and out.json()["code"] == "VALIDATION_ERROR", out.text
        assert "x must be 0-1024 and y 155-600" in out.json()["error"]
    unknown_key = interact(api, sid, type="KEY_PRESS", key="Hyper+Q")
    assert unknown_key.status_code == 400 and "Hyper" in unknown_key.json()["error"]
    assert interact(api, sid, type="KEY_PRESS", key="Enter").status_code == 200
    rsite.wait_for(lambda h: h.path.startswith("/control_done.html?code=HELLO"))

    assert interact(api, sid, type="releaseControl").status_code == 200
    body = poll_until_finished(api, sid, start["taskId"])
    assert body["status"] == "completed" and body["data"]["message"] == "Submitted HELLO", body
    assert not rsite.requested("/list.html"), "the decision taken before the takeover ran"
    name = tag.split(":")[1]
    asked = llm.requests_for(name)
    assert len(asked) == 2 and HUMAN_NOTE not in json.dumps(asked[0]) and HUMAN_NOTE in json.dumps(asked[1])
    terminate(api, sid)


def test_input_without_a_task_needs_no_takeover(api, llm, rsite):
    opened = start_task(api, f"open the page {script(llm, [done('open')])}", f"{rsite.url}/control.html")
    sid = opened["sessionId"]
    assert poll_until_finished(api, sid, opened["taskId"])["status"] == "completed"
    assert interact(api, sid, type="CLICK", x=700, y=155 + 250).status_code == 200
    assert rsite.wait_report("click", target="pad", x=700, y=250)
    terminate(api, sid)


def test_pause_without_a_task_is_409_and_unknown_sessions_401(api):
    sid = api.post("/start/start-session", json={}).json()["sessionId"]
    paused = state(api, sid, "pause")
    assert paused.status_code == 409 and paused.json()["code"] == "NO_RUNNING_TASK", paused.text
    assert "no task is running" in paused.json()["error"].lower()
    for body in ({"actionType": "state", "newState": "pause"},
                 {"actionType": "interaction", "action": {"type": "takeOverControl"}},
                 {"actionType": "guardrail", "taskDetails": "x", "newState": "resume"}):
        unknown = message(api, "0" * 32, body)
        assert unknown.status_code == 401 and unknown.json()["code"] == "SESSION_NOT_FOUND", unknown.text
    answer = message(api, sid, {"actionType": "guardrail", "taskDetails": "x", "newState": "resume"})
    assert answer.status_code == 409 and answer.json()["code"] == "NO_OPEN_QUESTION"
    bad = message(api, sid, {"actionType": "state", "newState": "sleep"})
    assert bad.status_code == 400 and bad.json()["code"] == "VALIDATION_ERROR"
    terminate(api, sid)
    gone = state(api, sid, "pause")
    assert gone.status_code == 401 and gone.json()["code"] == "SESSION_NOT_FOUND"


def test_guardrail_round_trip_types_the_code_and_masks_it(make_server, llm, rsite):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="30")
    tag = script(llm, [
        act({"action": "ask_human", "question": "What is the one-time code from your phone?", "reason": "code"}),
        act({"action": "type", "index": {"$find": "One-time code"}, "text": {"$match": r"(?<=The person answered: )\d+"},
             "submit": True}),
        done({"$match": r"Submitted \d+"}),
    ])
    with server.client() as api:
        start = start_task(api, f"log in {tag}", f"{rsite.url}/control.html")
        sid, tid = start["sessionId"], start["taskId"]
        assert start["type"] == "guardrail_trigger" and start["status"] == "guardrail", start
        assert start["data"] == {"type": "human_input_needed", "value": "What is the one-time code from your phone?",
                                 "reason": "code"}
        poll = api.get(f"/task/{sid}/{tid}").json()
        assert poll["type"] == "guardrail_trigger" and poll["pending"] is False and poll["taskId"] == tid
        sent = message(api, sid, {"actionType": "guardrail", "taskDetails": "493817", "newState": "resume"})
        assert sent.json() == {"success": True, "message": "Message sent successfully"}
        body = poll_until_finished(api, sid, tid)
        assert body["status"] == "completed", body
        rsite.wait_for(lambda h: h.path.startswith("/control_done.html?code=493817"))  # the agent typed it
        steps = api.get(f"/task/{sid}/{tid}/steps").json()
        assert "493817" not in json.dumps(body) and "493817" not in json.dumps(steps)
        assert any("The person answered" in r for s in steps["steps"] for r in s["results"])
        log_text = (Path(server.data_dir) / "server.log").read_text()
        assert "493817" not in log_text
        terminate(api, sid)


def test_guardrail_stop_and_timeout(make_server, llm, rsite):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_GUARDRAIL_TIMEOUT_S="1")
    ask = act({"action": "ask_human", "question": "Which plan should I buy?", "reason": "choice"})
    with server.client() as api:
        timed = start_task(api, f"buy {script(llm, [ask])}", f"{rsite.url}/control.html")
        assert timed["type"] == "guardrail_trigger"
        body = poll_until_finished(api, timed["sessionId"], timed["taskId"])
        assert body["status"] == "failed" and body["code"] == "GUARDRAIL_TIMEOUT", body
        stopped = send_task(api, timed["sessionId"], f"buy again {script(llm, [ask])}").json()
        assert stopped["type"] == "guardrail_trigger"
        assert message(api, timed["sessionId"], {"actionType": "guardrail", "prompt": "never mind",
                                                 "newState": "stop"}).status_code == 200
        body = poll_until_finished(api, timed["sessionId"], stopped["taskId"])
        assert body["status"] == "failed" and body["code"] == "STOPPED", body
        terminate(api, timed["sessionId"])


def test_guardrail_answered_by_takeover_then_release_then_resume(api, llm, rsite):
    tag = script(llm, [
        act({"action": "ask_human", "question": "Please enter the code yourself", "reason": "code"}),
        done({"$match": r"Submitted \w+"}),
    ])
    sid = api.post("/start/start-session", json={}).json()["sessionId"]
    with SessionSocket(str(api.base_url).rstrip("/"), sid) as sock:
        tid = send_task(api, sid, f"log in {tag}", startingPoint=f"{rsite.url}/control.html").json()["taskId"]
        sock.wait_for("guardrail_trigger")
    assert interact(api, sid, type="takeOverControl").status_code == 200
    assert interact(api, sid, type="CLICK", x=150, y=215).status_code == 200
    assert interact(api, sid, type="TYPE", text="BYHAND").status_code == 200
    assert interact(api, sid, type="KEY_PRESS", key="Enter").status_code == 200
    rsite.wait_for(lambda h: h.path.startswith("/control_done.html?code=BYHAND"))
    assert interact(api, sid, type="releaseControl").status_code == 200
    assert state(api, sid, "resume").status_code == 200
    body = poll_until_finished(api, sid, tid)
    assert body["status"] == "completed" and body["data"]["message"] == "Submitted BYHAND", body
    terminate(api, sid)


def test_paused_task_clock_stops(make_server, llm, rsite):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0")
    held = f"clock-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **done("finished after the pause")}])
    gate = llm.gate(held)
    with server.client() as api:
        start = start_task(api, f"wait {tag}", f"{rsite.url}/control.html", maxDuration=1500)
        gate.wait_arrived()
        assert state(api, start["sessionId"], "pause").status_code == 200
        time.sleep(2.0)  # the pause itself is under test: longer than maxDuration
        gate.release()
        assert state(api, start["sessionId"], "resume").status_code == 200
        body = poll_until_finished(api, start["sessionId"], start["taskId"])
        assert body["status"] == "completed" and body["data"]["message"] == "finished after the pause", body
        assert body["usage"]["computeTime"] < 1.5
        terminate(api, start["sessionId"])


def test_pause_holds_the_agent_until_resume(make_server, llm, rsite):
    """No action reaches the site and no LLM request is made while paused; the decision that was
    on its way when the pause came is acted on after resume, not asked again."""
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0")
    held = f"pause-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **act({"action": "click", "index": {"$find": "Go to the list"}})},
                       done("paused and resumed")])
    name = tag.split(":")[1]
    gate = llm.gate(held)
    with server.client() as api:
        sid = api.post("/start/start-session", json={}).json()["sessionId"]
        with SessionSocket(server.base_url, sid) as sock:
            start = send_task(api, sid, f"open the list {tag}", startingPoint=f"{rsite.url}/control.html").json()
            gate.wait_arrived()
            assert state(api, sid, "pause").status_code == 200
            sock.wait_for(lambda p: p.get("data", {}).get("state") == "paused")
            gate.release()
            thought = sock.wait_for("agent")  # the decision arrived while paused
            assert len(llm.requests_for(name)) == 1
            poll = api.get(f"/task/{sid}/{start['taskId']}").json()
            assert poll["status"] == "running" and poll["pending"] is True
            resumed_at = time.monotonic()
            assert not rsite.requested("/list.html"), "an action ran while paused"
            assert not [p for p in sock.messages() if p.get("type") == "action"], "an action started while paused"
            assert state(api, sid, "resume").status_code == 200
            sock.wait_for("action", start=sock.received.index(("message", thought)))
            body = poll_until_finished(api, sid, start["taskId"])
            assert body["status"] == "completed" and body["data"]["message"] == "paused and resumed", body
            hits = rsite.requested("/list.html")
            assert hits and all(h.at >= resumed_at for h in hits)
            assert len(llm.requests_for(name)) == 2  # one decision per step: nothing was asked twice
        terminate(api, sid)
