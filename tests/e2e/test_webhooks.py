"""Webhooks end to end: each payload kind, signed, from the outbox to a receiver on loopback; retries,
a server restart in between, the deliveries route, and URLs that must be refused."""
from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.conftest import act, done, script, terminate
from tests.support.servers import ServerProcess
from tests.support.webhook_receiver import Receiver, webhook_receiver

HOOKS_ENV = {"OPENWEBRUN_WEBHOOK_ALLOW_PRIVATE": "true", "OPENWEBRUN_WEBHOOK_RETRY_BASE_S": "0.5",
             "OPENWEBRUN_WAIT_WINDOW_S": "30"}
AUTH = "Bearer receiver-token-7f3a"
SCHEMA = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]}


@pytest.fixture(scope="module")
def receiver():
    with webhook_receiver() as r:
        yield r


@pytest.fixture(scope="module")
def hooked(make_server) -> ServerProcess:
    return make_server(**HOOKS_ENV)


@pytest.fixture(scope="module")
def hapi(hooked):
    with hooked.client() as client:
        yield client


def webhook_secret(server: ServerProcess) -> str:
    done_ = server.cli("keys", "webhook-secret")
    assert done_.returncode == 0, done_.stderr
    return done_.stdout.strip().splitlines()[-1]


def hook(receiver: Receiver, path: str, kind: str) -> dict:
    return {"name": f"hook {path}", "url": f"{receiver.url}{path}", "auth": AUTH, "submittedData": kind}


def run(api, site, details: str, webhook: dict, **extra) -> dict:
    body = api.post("/start/run-task", json={"taskDetails": details, "startingUrl": f"{site}/index.html",
                                             "webhook": webhook, **extra}).json()
    assert body.get("sessionId"), body
    return body




def first_at(receiver: Receiver, path: str):
    receiver.wait_for(lambda rs: any(r.path == path for r in rs))
    return receiver.at(path)[0]


def test_each_payload_kind_arrives_signed_with_the_auth_header(hooked, hapi, llm, site, receiver):
    secret = webhook_secret(hooked)
    assert secret.startswith("whsec_") and webhook_secret(hooked) == secret  # made once, then kept

    as_json = run(hapi, site, f"count {script(llm, [done({'count': 3})])}", hook(receiver, "/ai-json", "ai_response"),
                  outputType="structured_json", outputSchema=SCHEMA)
    rows = [{"title": "Dune, Part 1"}, {"title": "Emma"}]
    as_csv = run(hapi, site, f"list {script(llm, [done(rows)])}", hook(receiver, "/ai-csv", "ai_response"),
                 outputType="structured_csv", outputSchema=["title"])
    full = run(hapi, site, f"read {script(llm, [done('The page says hello')])}",
               hook(receiver, "/full", "full_response"))
    ping = run(hapi, site, f"ping {script(llm, [done('pong')])}", hook(receiver, "/ping", "just_ping"))
    failed = run(hapi, site, f"fail {script(llm, [done('could not do it', success=False)])}",
                 hook(receiver, "/failed", "just_ping"))

    got = {path: first_at(receiver, path) for path in ("/ai-json", "/ai-csv", "/full", "/ping", "/failed")}
    for path, record in got.items():
        assert record.headers["authorization"] == AUTH, path
        assert record.headers["content-type"] == "application/json", path
        assert record.verifies(secret), path
        assert not record.verifies(secret + "x"), path
        assert len(record.headers["x-webrun-delivery"]) == 32, path

    assert got["/ai-json"].json == {"count": 3}
    assert got["/ai-json"].headers["x-webrun-event"] == "task_completed"
    assert list(csv.reader(io.StringIO(got["/ai-csv"].json))) == [["title"], ["Dune, Part 1"], ["Emma"]]
    polled = hapi.get(f"/task/{full['sessionId']}/{full['taskId']}").json()
    assert got["/full"].json == {"event": "task_completed", **polled}
    assert got["/full"].json["usage"]["total_tokens"] > 0
    assert got["/ping"].json == {"event": "task_completed", "sessionId": ping["sessionId"], "taskId": ping["taskId"],
                                 "completedAt": ping["completedAt"]}
    assert failed["status"] == "failed", failed
    assert got["/failed"].headers["x-webrun-event"] == "task_failed"
    assert got["/failed"].json["event"] == "task_failed" and got["/failed"].json["taskId"] == failed["taskId"]
    ids = [r.headers["x-webrun-delivery"] for r in receiver.records]
    assert len(ids) == len(set(ids))  # one delivery each, all answered 2xx at once
    for body in (as_json, as_csv):
        assert body["status"] == "completed", body


def test_a_guardrail_fires_the_webhook_then_the_end_does(hapi, llm, site, receiver):
    ask = act({"action": "ask_human", "question": "Which plan should I buy?", "reason": "choice"})
    start = run(hapi, site, f"buy {script(llm, [ask])}", hook(receiver, "/guard", "full_response"))
    assert start["type"] == "guardrail_trigger", start
    asked = first_at(receiver, "/guard")
    assert asked.headers["x-webrun-event"] == "guardrail_trigger"
    assert asked.json["event"] == "guardrail_trigger" and asked.json["status"] == "guardrail"
    assert asked.json["data"] == {"type": "human_input_needed", "value": "Which plan should I buy?", "reason": "choice"}
    stopped = hapi.post("/start/send-message", json={"sessionId": start["sessionId"], "message": {
        "actionType": "guardrail", "prompt": "never mind", "newState": "stop"}})
    assert stopped.status_code == 200, stopped.text
    records = receiver.wait_for(lambda rs: sum(r.path == "/guard" for r in rs) == 2)
    ended = [r for r in records if r.path == "/guard"][1]
    assert ended.headers["x-webrun-event"] == "task_failed" and ended.json["code"] == "STOPPED"
    terminate(hapi, start["sessionId"])


def test_a_failing_receiver_gets_the_delivery_after_retries(hooked, hapi, llm, site, receiver):
    receiver.answer("/flaky", 500)
    body = run(hapi, site, f"read {script(llm, [done('flaky result')])}", hook(receiver, "/flaky", "ai_response"))
    receiver.wait_for(lambda rs: sum(r.path == "/flaky" for r in rs) >= 2)  # the first attempt and a retry failed
    route = f"/task/{body['sessionId']}/{body['taskId']}/webhooks"
    pending = hapi.get(route).json()["deliveries"]
    assert pending[0]["status"] in ("pending", "sending") and pending[0]["lastStatusCode"] == 500
    receiver.answer("/flaky", 200)
    receiver.wait_for(lambda rs: any(r.path == "/flaky" and r.answered == 200 for r in rs))

    attempts = receiver.at("/flaky")
    assert {r.headers["x-webrun-delivery"] for r in attempts} == {attempts[0].headers["x-webrun-delivery"]}
    assert [r.answered for r in attempts][-1] == 200 and all(r.answered == 500 for r in attempts[:-1])
    assert all(r.json == "flaky result" for r in attempts)
    shown = hapi.get(route)
    assert shown.status_code == 200
    [delivery] = shown.json()["deliveries"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == len(attempts) >= 3
    assert delivery["lastStatusCode"] == 200 and delivery["nextAttemptAt"] is None
    assert delivery["deliveryId"] == attempts[0].headers["x-webrun-delivery"]
    assert delivery["submittedData"] == "ai_response" and delivery["event"] == "task_completed"
    assert AUTH.split()[1] not in shown.text and webhook_secret(hooked) not in shown.text

    with hooked.client(key=hooked.create_key()) as other:  # someone else's task is not found
        assert other.get(route).status_code == 404
    with hooked.client(key=None) as anonymous:
        assert anonymous.get(route).status_code == 401


def test_a_delivery_survives_a_server_restart_once_per_delivery_id(make_server, llm, site, receiver):
    first = make_server(**{**HOOKS_ENV, "OPENWEBRUN_WEBHOOK_RETRY_BASE_S": "3"})
    secret = webhook_secret(first)
    receiver.answer("/restart", 503)
    with first.client() as api:
        body = run(api, site, f"read {script(llm, [done('after restart')])}", hook(receiver, "/restart", "just_ping"))
    first_attempt = first_at(receiver, "/restart")
    assert first_attempt.answered == 503
    first.stop()
    receiver.answer("/restart", 200)
    env = {k: v for k, v in first.env.items() if k.startswith(("OPENWEBRUN_", "OPENAI_")) and k != "OPENWEBRUN_PORT"}
    second = ServerProcess(first.data_dir, env).start()
    try:
        receiver.wait_for(lambda rs: any(r.path == "/restart" and r.answered == 200 for r in rs))
        with second.client() as api:
            [delivery] = api.get(f"/task/{body['sessionId']}/{body['taskId']}/webhooks").json()["deliveries"]
        attempts = receiver.at("/restart")
        assert delivery["status"] == "delivered" and delivery["attempts"] == len(attempts)
        assert [r.answered for r in attempts].count(200) == 1
        assert {r.headers["x-webrun-delivery"] for r in attempts} == {delivery["deliveryId"]}
        assert attempts[-1].verifies(secret)
        assert attempts[-1].json == {"event": "task_completed", "sessionId": body["sessionId"],
                                     "taskId": body["taskId"], "completedAt": body["completedAt"]}
    finally:
        second.stop()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest", "http://[::1]:8080/x"])
def test_private_webhook_urls_are_refused_without_the_setting(api, url):
    answer = api.post("/start/run-task", json={"taskDetails": "anything", "webhook": {
        "name": "n", "url": url, "submittedData": "just_ping"}})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "URL_NOT_ALLOWED" and "webhook.url" in answer.json()["error"]


@pytest.mark.parametrize(("webhook", "field"), [
    ({"name": "n", "url": "ftp://example.com/x"}, "url"),
    ({"name": "n", "url": "not a url"}, "url"),
    ({"name": "n", "url": "http://bad\u0097host/x"}, "url"),
    ({"name": "n", "url": "https://example.com/x", "submittedData": "xml"}, "submittedData"),
    ({"name": 5, "url": "https://example.com/x"}, "name"),
    ({"url": "https://example.com/x"}, "name"),
    ({"name": "n", "url": "https://example.com/x", "auth": ["a"]}, "auth"),
    ("https://example.com/x", "webhook"),
])
def test_a_bad_webhook_object_is_refused_naming_the_field(api, webhook, field):
    answer = api.post("/start/run-task", json={"taskDetails": "anything", "webhook": webhook})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "VALIDATION_ERROR"
    assert field in answer.json()["error"], answer.json()
