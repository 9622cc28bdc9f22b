"""Hard limits and LLM failures end to end: each fails with its code; the server keeps serving."""
from __future__ import annotations

import socket
import time

from tests.e2e.conftest import act, done, poll_until_finished, script


def test_max_duration_is_a_hard_cancel(api, llm, site):
    tag = script(llm, [{"delay": 6, **done("too late")}])
    began = time.monotonic()
    body = api.post("/start/run-task", json={"taskDetails": f"slow {tag}", "maxDuration": 1500,
                                             "startingUrl": f"{site}/list.html"}).json()
    elapsed = time.monotonic() - began
    assert body["status"] == "failed" and body["code"] == "MAX_DURATION_EXCEEDED", body
    assert elapsed < 5, f"the task was not cancelled at its deadline ({elapsed:.1f}s)"
    assert body["usage"]["completion_time"] < 5


def test_input_token_limit(api, llm, site):
    tag = script(llm, [{"usage": [500, 20], **act({"action": "scroll", "direction": "down", "pages": 1})}])
    body = api.post("/start/run-task", json={"taskDetails": f"tokens {tag}", "maxInputTokens": 100,
                                             "startingUrl": f"{site}/list.html"}).json()
    assert body["code"] == "TOKEN_LIMIT_EXCEEDED", body
    assert body["usage"]["prompt_tokens"] == 500 and body["usage"]["completion_tokens"] == 20


def test_output_token_limit(api, llm, site):
    tag = script(llm, [{"usage": [10, 40], **act({"action": "wait", "seconds": 0})}])
    body = api.post("/start/run-task", json={"taskDetails": f"tokens {tag}", "maxOutputTokens": 100,
                                             "startingUrl": f"{site}/list.html"}).json()
    assert body["code"] == "TOKEN_LIMIT_EXCEEDED", body
    assert body["usage"]["completion_tokens"] > 100


def test_max_steps(make_server, llm, site):
    server = make_server(OPENWEBRUN_MAX_STEPS="3")
    tag = script(llm, [act({"action": "scroll", "direction": "down", "pages": 1}),
                       act({"action": "scroll", "direction": "up", "pages": 1})])
    with server.client() as client:
        body = client.post("/start/run-task", json={"taskDetails": f"forever {tag}",
                                                    "startingUrl": f"{site}/list.html"}).json()
    assert body["code"] == "MAX_STEPS_EXCEEDED", body


def test_llm_500_fails_task_and_server_keeps_serving(api, llm, site):
    tag = script(llm, [{"status": 500}])
    body = api.post("/start/run-task", json={"taskDetails": f"broken {tag}", "startingUrl": f"{site}/list.html"}).json()
    assert body["status"] == "failed" and body["code"] == "LLM_ERROR", body
    assert "500" in body["error"]
    ok = script(llm, [done("still here")])
    after = api.post("/start/run-task", json={"taskDetails": f"fine {ok}"}).json()
    assert after["status"] == "completed" and after["data"]["message"] == "still here"


def test_llm_garbage_fails_task(api, llm, site):
    tag = script(llm, [{"raw": "I think I will click somewhere, maybe."}])
    body = api.post("/start/run-task", json={"taskDetails": f"garbage {tag}", "startingUrl": f"{site}/list.html"}).json()
    assert body["status"] == "failed" and body["code"] == "LLM_ERROR", body
    assert api.get("/start/health").json()["status"] == "healthy"


def test_unconfigured_llm_fails_at_once(make_server, site):
    server = make_server(OPENWEBRUN_MODEL="")
    with server.client() as client:
        began = time.monotonic()
        body = client.post("/start/run-task", json={"taskDetails": "anything", "startingUrl": f"{site}/list.html"}).json()
    assert body["code"] == "LLM_NOT_CONFIGURED", body
    assert "OPENWEBRUN_MODEL" in body["error"]
    assert time.monotonic() - began < 10


def test_task_outlives_wait_window_and_is_polled(make_server, llm, site):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="1")
    tag = script(llm, [{"delay": 3, **act({"action": "click", "index": {"$find": "Next page"}})},
                       done({"$match": r"Step two of three"})])
    with server.client() as client:
        body = client.post("/start/run-task", json={"taskDetails": f"slow {tag}", "startingUrl": f"{site}/list.html"}).json()
        assert body["status"] == "pending" and body["pending"] is True, body
        assert body["pollUrl"] == f"{server.base_url}/task/{body['sessionId']}/{body['taskId']}"
        running = client.get(body["pollUrl"]).json()
        assert running["status"] == "running" and running["pending"] is True and "usage" in running
        final = poll_until_finished(client, body["sessionId"], body["taskId"])
    assert final["status"] == "completed" and final["data"]["message"] == "Step two of three"


def test_repeating_the_same_action_is_a_loop(api, llm, site):
    name = "looping"
    tag = llm.script(name, [act({"action": "scroll", "direction": "up", "pages": 1})])
    body = api.post("/start/run-task", json={"taskDetails": f"loop {tag}", "startingUrl": f"{site}/list.html"}).json()
    assert body["code"] == "LOOP_DETECTED", body
    requests = llm.requests_for(name)
    assert any("repeated the same actions" in repr(r["messages"]) for r in requests)  # warned first
    assert len(requests) < 10


def test_starting_point_that_never_answers_is_navigation_timeout(make_server, llm):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    server = make_server(OPENWEBRUN_NAVIGATION_TIMEOUT_MS="1000")
    tag = script(llm, [done("never")])
    with server.client() as client:
        body = client.post("/start/run-task", json={
            "taskDetails": f"go {tag}", "startingUrl": f"http://127.0.0.1:{silent.getsockname()[1]}/"}).json()
    silent.close()
    assert body["code"] == "NAVIGATION_TIMEOUT", body


def test_vision_sends_a_screenshot(make_server, llm, site):
    server = make_server(OPENWEBRUN_VISION="true")
    name = "vision"
    tag = llm.script(name, [done("seen")])
    with server.client() as client:
        body = client.post("/start/run-task", json={"taskDetails": f"look {tag}", "startingUrl": f"{site}/list.html"}).json()
    assert body["status"] == "completed", body
    content = llm.requests_for(name)[0]["messages"][-1]["content"]
    image = [part for part in content if part.get("type") == "image_url"]
    assert image and image[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
