"""Accounts with a balance: tasks charged as they run, a balance that runs out mid-task, 402 before
work that cannot be paid, a limit of live sessions, and usage per day from the CLI."""
from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.e2e.conftest import act, done, poll_until_finished, script, terminate

# $0.001 a token for the scripted model; compute time is free unless a test says otherwise
PRICES = '{"scripted-model": [1000, 1000]}'


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_PRICES=PRICES,
                       OPENWEBRUN_COMPUTE_PRICE_PER_MINUTE="0")


def new_account(server, *args: str) -> tuple[str, str]:
    """(account id, API key) of a new account made with the CLI."""
    made = server.cli("accounts", "create", f"team-{time.monotonic_ns()}", "--key", *args)
    assert made.returncode == 0, made.stderr
    account = re.search(r"created account (\w+)", made.stdout).group(1)
    return account, made.stdout.strip().splitlines()[-1]


def client(server, key: str) -> httpx.Client:
    return server.client(key)


def test_a_balance_that_runs_out_stops_the_task(server, llm, site):
    account, key = new_account(server, "--balance", "1")
    held = f"third-{time.monotonic_ns()}"
    tag = script(llm, [{"usage": [300, 200], **act({"action": "wait", "seconds": 0})},  # $0.50
                       {"usage": [300, 200], **act({"action": "wait", "seconds": 0})},  # $1.00: nothing left
                       {"gate": held, **done("never reached")}])
    with client(server, key) as api:
        started = api.post("/start/start-session", json={"task": {"prompt": f"spend {tag}",
                                                                  "startingUrl": f"{site}/index.html"}}).json()
        assert started["balance"] == 1.0
        try:  # the third step's answer is held: only the balance running out can end the task
            body = poll_until_finished(api, started["sessionId"], started["taskId"])
        finally:
            llm.gate(held).release()
        assert body["status"] == "failed" and body["code"] == "BALANCE_EXHAUSTED", body
        assert body["usage"]["cost"] == 1.0
        refused = api.post("/start/run-task", json={"taskDetails": "more", "startingUrl": f"{site}/index.html"})
        assert refused.status_code == 402, refused.text
        assert refused.json() == {"success": False, "error": "Insufficient balance.", "message": "Insufficient balance.",
                                  "code": "INSUFFICIENT_BALANCE", "details": {"balance": 0.0, "required": 0.01}}
        terminate(api, started["sessionId"])
    listed = server.cli("accounts", "list").stdout
    assert re.search(rf"{account}\s+active\s+\$0\.0000", listed), listed
    credited = server.cli("accounts", "credit", account, "2.5")
    assert credited.returncode == 0 and "$2.5000" in credited.stdout
    usage = server.cli("usage", "--account", account, "--since", time.strftime("%Y-%m-%d", time.gmtime()))
    today = usage.stdout.splitlines()[1].split()
    assert today[0] == time.strftime("%Y-%m-%d", time.gmtime()) and today[1] == account
    assert today[2:5] == ["1", "600", "400"] and today[-1] == "$1.0000", usage.stdout


def test_the_cost_counts_compute_time(make_server, llm, site):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_PRICES=PRICES,
                         OPENWEBRUN_COMPUTE_PRICE_PER_MINUTE="60")  # $1 a second
    with server.client() as api:
        body = api.post("/start/run-task", json={"taskDetails": f"count {script(llm, [done('ok')])}",
                                                 "startingUrl": f"{site}/index.html"}).json()
        assert body["status"] == "completed", body
        usage = body["usage"]
        tokens = usage["total_tokens"] / 1000
        assert usage["cost"] == pytest.approx(tokens + usage["computeTime"], abs=0.002)


def test_a_limit_of_live_sessions(server):
    _account, key = new_account(server, "--unlimited", "--session-limit", "1")
    with client(server, key) as api:
        first = api.post("/start/start-session", json={}).json()
        assert first["success"] and first["balance"] is None
        second = api.post("/start/start-session", json={})
        assert second.status_code == 429
        assert second.json()["code"] == "SESSION_LIMIT_REACHED"
        assert second.json()["details"] == {"current": 1, "limit": 1}
        terminate(api, first["sessionId"])
        again = api.post("/start/start-session", json={}).json()
        assert again["success"], again
        terminate(api, again["sessionId"])


def test_a_deactivated_account_is_refused(server):
    account, key = new_account(server, "--balance", "5")
    assert server.cli("accounts", "deactivate", account).returncode == 0
    with client(server, key) as api:
        refused = api.post("/start/start-session", json={})
    assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_DEACTIVATED"


def test_key_scopes(server, llm, site):
    account, writer = new_account(server, "--unlimited")
    made = server.cli("keys", "create", "--account", account, "--scope", "read")
    assert made.returncode == 0 and "read)" in made.stdout, made.stdout
    reader = made.stdout.strip().splitlines()[-1]
    only_create = server.cli("keys", "create", "--account", account, "--scope", "task:create").stdout.splitlines()[-1]
    with client(server, writer) as api:
        body = api.post("/start/run-task", json={"taskDetails": f"scoped {script(llm, [done('ok')])}",
                                                 "startingUrl": f"{site}/index.html"}).json()
        poll_until_finished(api, body["sessionId"], body["taskId"])
    steps = f"/task/{body['sessionId']}/{body['taskId']}/steps"
    with client(server, reader) as api:
        assert api.get(steps).status_code == 200
        refused = api.post("/start/start-session", json={})
        assert refused.status_code == 403 and refused.json()["code"] == "MISSING_PERMISSION"
        assert refused.json()["error"] == "API key missing required permission: task:create"
    with client(server, only_create) as api:
        assert api.get(steps).json()["code"] == "MISSING_PERMISSION"
    listed = server.cli("keys", "list").stdout
    assert re.search(r"active\s+read\s+account=" + account, listed), listed
