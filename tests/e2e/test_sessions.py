"""Session lifecycle, auth, validation and shutdown over HTTP."""
from __future__ import annotations

import asyncio
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from openwebrun.store.db import Database
from openwebrun.store.repositories import Store
from tests.e2e.conftest import act, done, script, send_task, terminate
from tests.support.servers import alive, descendants
from tests.support.socket_client import SessionSocket


def test_terminate_fails_the_running_task(make_server, llm, site):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0")
    slow = script(llm, [{"gate": "terminate-held", **act({"action": "wait", "seconds": 1})}])
    gate = llm.gate("terminate-held")
    with server.client() as client:
        start = client.post("/start/start-session", json={"initialTask": {"taskDetails": f"long {slow}",
                                                                           "startingPoint": f"{site}/list.html"}}).json()
        assert start["status"] == "pending", start
        gate.wait_arrived()
        assert terminate(client, start["sessionId"]).status_code == 200
        gate.release()
        body = client.get(f"/task/{start['sessionId']}/{start['taskId']}").json()
        assert body["status"] == "failed" and body["code"] == "SESSION_TERMINATED", body
        again = terminate(client, start["sessionId"])
        assert again.status_code == 401 and again.json()["code"] == "SESSION_NOT_FOUND"


def test_stop_fails_task_but_keeps_session(api, llm, site):
    slow = script(llm, [{"gate": "stop-held", **act({"action": "wait", "seconds": 1})}])
    gate = llm.gate("stop-held")
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(send_task, api, session_id, f"loop {slow}")
        gate.wait_arrived()
        stop = api.post("/start/send-message", json={"sessionId": session_id,
                                                     "message": {"actionType": "state", "newState": "stop"}})
        assert stop.status_code == 200
        gate.release()
        body = first.result(30).json()
    assert body["status"] == "failed" and body["code"] == "STOPPED", body
    ok = script(llm, [done("after stop")])
    after = send_task(api, session_id, f"next {ok}").json()
    assert after["data"]["message"] == "after stop"
    terminate(api, session_id)


def test_idle_session_expires(api, server):
    free_before = api.get("/start/health").json()["instanceCount"]
    session_id = api.post("/start/start-session", json={"expiresIn": 1500}).json()["sessionId"]
    assert api.get("/start/health").json()["instanceCount"] == free_before - 1
    with SessionSocket(server.base_url, session_id) as sock:
        ended = sock.wait_for("end_session", event="end_session", timeout=15)
    assert ended["reason"] == "expired"
    assert api.get("/start/health").json()["instanceCount"] == free_before  # its slot was freed first
    response = terminate(api, session_id)
    assert response.status_code == 401


def test_default_expiry_comes_from_settings(make_server):
    server = make_server(OPENWEBRUN_SESSION_EXPIRES_MS="1200")
    with server.client() as client:
        body = client.post("/start/start-session", json={}).json()
        assert body["expiresIn"] == 1200
        with SessionSocket(server.base_url, body["sessionId"]) as sock:
            assert sock.wait_for("end_session", event="end_session", timeout=15)["reason"] == "expired"
        assert terminate(client, body["sessionId"]).status_code == 401


def test_capacity_limit_answers_503(make_server):
    server = make_server(OPENWEBRUN_MAX_SESSIONS="1")
    with server.client() as client:
        first = client.post("/start/start-session", json={}).json()
        assert client.get("/start/health").json()["instancesAvailable"] is False
        second = client.post("/start/start-session", json={})
        assert second.status_code == 503
        assert second.json() == {"success": False, "error": "No available instances",
                                 "message": "No available instances", "code": "NO_AVAILABLE_INSTANCES"}
        terminate(client, first["sessionId"])
        assert client.post("/start/start-session", json={}).status_code == 200


def test_missing_and_unknown_keys_are_401(server):
    with server.client(key=None) as anon:
        assert anon.post("/start/start-session", json={}).status_code == 401
        assert anon.post("/start/run-task", json={"taskDetails": "x"}).json()["code"] == "UNAUTHORIZED"
    with server.client(key="owr_wrong") as wrong:
        response = wrong.post("/start/send-message", json={"sessionId": "x", "message": {"actionType": "state",
                                                                                          "newState": "terminate"}})
        assert response.status_code == 401 and response.json()["success"] is False


def test_deactivated_account_is_403(make_server):
    server = make_server()

    async def deactivate():
        db = Database(f"sqlite+aiosqlite:///{server.data_dir / 'openwebrun.db'}")
        store = Store(db)
        accounts = await store.accounts.list()
        for account in accounts:
            await store.accounts.set_active(account.id, False)
        await db.close()

    asyncio.run(deactivate())
    with server.client() as client:
        response = client.post("/start/start-session", json={})
    assert response.status_code == 403 and response.json()["code"] == "ACCOUNT_DEACTIVATED"


def test_other_accounts_session_is_401(server, api):
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    key = server.create_key()
    with server.client(key=key) as other:
        response = terminate(other, session_id)
    assert response.status_code == 401
    assert terminate(api, session_id).status_code == 200


@pytest.mark.parametrize("body, fragment", [
    ({"taskDetails": "x", "maxDuration": 999}, "maxDuration"),
    ({"taskDetails": "x", "maxDuration": 300001}, "maxDuration"),
    ({"taskDetails": "x", "maxInputTokens": -1}, "maxInputTokens"),
    ({"taskDetails": "x", "maxOutputTokens": 100001}, "maxOutputTokens"),
    ({}, "taskDetails is required"),
    ({"taskDetails": "  "}, "taskDetails is required"),
    ({"taskDetails": "x", "outputType": "structured_json"}, "outputSchema is required"),
    ({"taskDetails": "x", "outputType": "structured_csv", "outputSchema": []}, "outputSchema"),
    ({"taskDetails": "x", "outputType": "yaml"}, "outputType"),
    ({"taskDetails": "x", "files": ["nope"]}, "nope"),
])
def test_run_task_validation_is_400(api, body, fragment):
    response = api.post("/start/run-task", json=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["success"] is False and payload["code"] in ("VALIDATION_ERROR", "FILE_NOT_FOUND")
    assert fragment in payload["error"]


def test_send_message_validation(api):
    assert api.post("/start/send-message", json={"message": {"actionType": "state", "newState": "stop"}}).status_code == 400
    assert api.post("/start/send-message", json={"sessionId": "abc"}).status_code == 400
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    missing = api.post("/start/send-message", json={"sessionId": session_id, "message": {"actionType": "newTask"}})
    assert missing.status_code == 400 and "taskDetails is required" in missing.json()["error"]
    bad = api.post("/start/send-message", json={"sessionId": session_id, "message": {"actionType": "fly"}})
    assert bad.status_code == 400
    unknown = api.post("/start/send-message", json={"sessionId": "f" * 32,
                                                    "message": {"actionType": "newTask", "taskDetails": "x"}})
    assert unknown.status_code == 401
    terminate(api, session_id)
    assert api.post("/start/start-session", json={"initialTask": {"taskDetails": "x", "maxDuration": 5}}).status_code == 400


def test_shutdown_leaves_no_chromium(make_server):
    server = make_server()
    with server.client() as client:
        client.post("/start/start-session", json={})
        client.post("/start/start-session", json={})
    children = descendants(server.proc.pid)
    assert children, "the server should run Chromium processes"
    assert server.stop() in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert "Application shutdown complete" in server.log()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)]
