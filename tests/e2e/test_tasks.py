"""Tasks end to end over HTTP: real server process, real Chromium, scripted LLM."""
from __future__ import annotations

from tests.e2e.conftest import (
    act,
    done,
    poll_until_finished,
    script,
    send_task,
    terminate,
)


def test_run_task_fills_form_and_returns_confirmation(api, llm, site):
    tag = script(llm, [
        act({"action": "type", "index": {"$find": "Full name"}, "text": "Ada Lovelace", "submit": False},
            {"action": "select_option", "index": {"$find": "Dune"}, "option": "Emma"}),
        act({"action": "click", "index": {"$find": "Place order"}}),
        done({"$match": r"Thank you, [^!]+! Your copy of \w+ is on its way\."}),
    ])
    response = api.post("/start/run-task", json={"taskDetails": f"Order Emma for Ada {tag}",
                                                  "startingUrl": f"{site}/form.html"})
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True and body["status"] == "completed" and body["type"] == "task_completed"
    assert body["data"]["message"] == "Thank you, Ada Lovelace! Your copy of emma is on its way."
    assert body["result"]["data"]["message"] == body["data"]["message"]
    urls = [u["url"] for u in body["data"]["network"][0]["urls"]]
    assert urls[0] == f"{site}/form.html" and urls[-1].startswith(f"{site}/confirm.html?")
    usage = body["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["inputTokens"] == usage["prompt_tokens"] and usage["computeTime"] == usage["completion_time"] > 0
    # the session ended with its task
    again = api.post("/start/send-message", json={"sessionId": body["sessionId"], "message": {
        "actionType": "newTask", "taskDetails": "more"}})
    assert again.status_code == 401
    # the poll answers the same result without an API key
    polled = api.get(f"/task/{body['sessionId']}/{body['taskId']}", headers={"Authorization": ""}).json()
    assert polled["data"]["message"] == body["data"]["message"] and polled["completedAt"].endswith("Z")


def test_session_runs_two_tasks_sharing_cookies(api, llm, site):
    start = api.post("/start/start-session", json={}).json()
    assert start["success"] and len(start["sessionId"]) == 32
    session_id = start["sessionId"]
    login = script(llm, [act({"action": "click", "index": {"$find": "Log in as Ada"}}), done("logged in")])
    first = api.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "newTask", "newState": "start", "taskDetails": f"log in {login}",
        "startingPoint": f"{site}/login.html"}}).json()
    assert first["status"] == "completed", first
    who = script(llm, [done({"$match": r"Logged in as \w+|Anonymous visitor"})])
    second = api.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "newTask", "taskDetails": f"who am I {who}", "startingPoint": f"{site}/whoami.html"}}).json()
    assert second["status"] == "completed", second
    assert second["data"]["message"] == "Logged in as ada"
    assert second["taskId"] != first["taskId"]
    assert api.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "state", "newState": "terminate"}}).json() == {"success": True, "message": "Message sent successfully"}


def test_initial_task_in_start_session(api, llm, site):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Next page"}}),
                       act({"action": "click", "index": {"$find": "Continue"}}),
                       done({"$match": r"code \d+"})])
    body = api.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"walk the flow {tag}", "startingPoint": f"{site}/list.html", "terminateOnCompletion": True}}).json()
    assert body["success"] and body["status"] == "completed", body
    assert body["data"]["message"] == "code 4711"
    assert body["initialPrompt"].startswith("walk the flow")


def test_agent_reports_failure_when_it_gives_up(api, llm, site):
    tag = script(llm, [done("The page has no price.", success=False)])
    body = api.post("/start/run-task", json={"taskDetails": f"find the price {tag}",
                                             "startingUrl": f"{site}/list.html"}).json()
    assert body["success"] is False and body["status"] == "failed"
    assert body["code"] == "TASK_NOT_COMPLETED" and body["error"] == "The page has no price."


def test_newtask_while_running_is_queued_and_runs_after(make_server, llm, site):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0")
    first = script(llm, [{"gate": "queue-first", **done("first done")}])
    then = script(llm, [done("second done")])
    gate = llm.gate("queue-first")
    with server.client() as api:
        session_id = api.post("/start/start-session", json={}).json()["sessionId"]
        running = send_task(api, session_id, f"first {first}").json()
        gate.wait_arrived()
        queued = send_task(api, session_id, f"second {then}")
        assert queued.status_code == 200, queued.text
        body = queued.json()
        assert body["status"] == "pending" and body["pending"] is True and body["queued"] is True, body
        assert body["pollUrl"].endswith(f"/task/{session_id}/{body['taskId']}")
        poll = api.get(f"/task/{session_id}/{body['taskId']}").json()
        assert poll["status"] == "queued" and poll["pending"] is True, poll
        for _ in range(4):  # the queue holds five
            assert send_task(api, session_id, f"more {then}").status_code == 200
        full = send_task(api, session_id, f"too many {then}")
        assert full.status_code == 409 and full.json()["code"] == "TASK_QUEUE_FULL", full.text
        assert not llm.requests_for(then.split(":")[1])  # nothing queued has started
        gate.release()
        assert poll_until_finished(api, session_id, running["taskId"])["data"]["message"] == "first done"
        second = poll_until_finished(api, session_id, body["taskId"])
        assert second["status"] == "completed" and second["data"]["message"] == "second done"
        first_request = llm.requests_for(first.split(":")[1])
        assert len(first_request) == 1  # the first task was not asked again
        terminate(api, session_id)


def test_unknown_task_poll_is_404(api):
    response = api.get("/task/0123/4567")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Task not found.", "message": "Task not found.",
                               "code": "TASK_NOT_FOUND"}


def test_secret_values_never_reach_the_model(api, llm, site):
    name = "secretcheck"
    tag = llm.script(name, [act({"action": "read_page"}), done("seen")])
    body = api.post("/start/run-task", json={
        "taskDetails": f"look {tag}", "startingUrl": f"{site}/account.html",
        "secrets": [{"match": "all", "fields": {"password": "hunter2-SECRET-77"}}]}).json()
    assert body["status"] == "completed", body
    sent = repr(llm.requests_for(name))
    assert "recovery code is" in sent  # the page was shown...
    assert "hunter2-SECRET-77" not in sent  # ...without the secret, also in read_page's output
