"""Secrets typed by domain: the model writes <secret:NAME>, the browser types the value only on a
matching host, and no value ever comes back (LLM requests, log, data files, traces, responses,
webhook payloads)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, send_task, terminate
from tests.support.recording_site import recording_site
from tests.support.webhook_receiver import webhook_receiver

PASSWORD = "Hx7 kq&Lm4-pw"
DECOY = "wrong-for-all-sites"  # the `all` entry's password: the exact host must win over it
USERNAME = "ada.lovelace.1815"
PIN = "pin-5309-x"
VALUES = [PASSWORD, DECOY, USERNAME, PIN]


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote(value, safe="&"), quote_plus(value)}


def _leaks(text: str) -> list[str]:
    return [form for value in VALUES for form in _forms(value) if form in text]


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="60", OPENWEBRUN_WEBHOOK_ALLOW_PRIVATE="true")


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


@pytest.fixture
def hooks():
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def bank():
    with recording_site(SITE) as site:
        yield site


def _trace(api, body: dict) -> str:
    response = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps")
    assert response.status_code == 200
    return response.text


def test_placeholders_type_real_values_on_matching_hosts_only_and_nothing_leaks(server, api, llm, bank, hooks):
    seen: list[str] = []  # everything a caller or the model saw, searched for values at the end
    first = script(llm, [
        act({"action": "type", "index": {"$find": "Username"}, "text": "<secret:username>", "submit": False},
            {"action": "type", "index": {"$find": "Password"}, "text": "<secret:password>", "submit": False}, goal="fill in"),
        done("filled in"),
    ])
    start = api.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"sign in {first}", "startingPoint": f"{bank.url}/signin.html",
        "secrets": [{"match": "all", "fields": {"password": DECOY}},
                    {"match": "127.0.0.1", "fields": {"username": USERNAME, "password": PASSWORD}},
                    {"match": "*.example.com", "fields": {"password": "for-example-only"}}]}})
    assert start.status_code == 200, start.text
    session_id = start.json()["sessionId"]
    body = poll_until_finished(api, session_id, start.json()["taskId"])
    assert body["status"] == "completed", body
    seen += [json.dumps(body), _trace(api, body)]
    # the model was told the field names per site, never a value, and the form it may use
    prompt = json.dumps(llm.requests_for(first.split(":", 1)[1])[0])
    assert "<secret:NAME>" in prompt and "127.0.0.1: password, username" in prompt
    assert "any site: password" in prompt and "*.example.com: password" in prompt
    # its type results name the placeholder, never the value
    steps = json.loads(seen[-1])["steps"]
    assert steps[0]["results"][1:2] == ["typed '<secret:password>' into [2] input type=password \"Password\""], steps

    # a later task in the same session adds a secret and still uses the earlier ones; it submits
    second = script(llm, [
        act({"action": "type", "index": {"$find": "PIN"}, "text": "<secret:pin>", "submit": False},
            {"action": "click", "index": {"$find": "Sign in"}}, goal="submit"),
        done("signed in"),
    ])
    answer = send_task(api, session_id, f"submit {second}", secrets=[{"match": "all", "fields": {"pin": PIN}}],
                       webhook={"name": "leaks", "url": f"{hooks.url}/full", "submittedData": "full_response"})
    assert answer.status_code == 200 and answer.json()["status"] == "completed", answer.text
    report = bank.wait_report("signin")
    assert report == {"type": "signin", "username": USERNAME, "password": PASSWORD, "pin": PIN}
    seen += [answer.text, _trace(api, answer.json())]
    delivered = hooks.wait_for(lambda records: len(records) >= 1)  # the webhook's payload and headers too
    seen += [r.body.decode() + json.dumps(r.headers) for r in delivered]

    # the same placeholder on a host no entry matches: refused with an error the model reads
    third = script(llm, [
        act({"action": "navigate", "url": bank.url.replace("127.0.0.1", "localhost") + "/signin.html"}, goal="go"),
        act({"action": "type", "index": {"$find": "Username"}, "text": "<secret:username>", "submit": False}, goal="fill in"),
        done("refused", success=False),
    ])
    answer = send_task(api, session_id, f"elsewhere {third}")
    assert answer.status_code == 200, answer.text
    trace = _trace(api, answer.json())
    seen += [answer.text, trace]
    error = json.loads(trace)["steps"][1]["error"]
    assert error == ("[1] not typed: the secret field 'username' is not for localhost (it is for 127.0.0.1)"), error
    name = third.split(":", 1)[1]
    assert "not typed: the secret field 'username' is not for localhost" in json.dumps(llm.requests_for(name)[-1])
    assert len(bank.reports("signin")) == 1  # nothing more was submitted

    assert terminate(api, session_id).status_code == 200
    # the leak search: every LLM request, every response and trace, every file under the data dir
    for tag in (first, second, third):
        seen += [json.dumps(r, ensure_ascii=False) for r in llm.requests_for(tag.split(":", 1)[1])]
    assert _leaks("\n".join(seen)) == []
    for path in Path(server.data_dir).rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            hits = [form for value in VALUES for form in _forms(value) if form.encode() in raw]
            assert hits == [], (path, hits)


@pytest.mark.parametrize(("secrets", "named"), [
    ({"match": "a.com"}, "secrets"),
    ([{"match": "", "fields": {"p": "v"}}], "secrets.0.match"),
    ([{"match": "  ", "fields": {"p": "v"}}], "secrets.0.match"),
    ([{"match": "a.com", "fields": {"p": "v"}}, {"match": "b.com", "fields": {"p": 7}}], "secrets.1.fields.p"),
    ([{"match": "https://a.com/login", "fields": {"p": "v"}}], "secrets.0.match"),
    ([{"match": "a.com", "fields": ["v"]}], "secrets.0.fields"),
])
def test_malformed_secrets_answer_400_naming_the_entry(api, secrets, named):
    response = api.post("/start/run-task", json={"taskDetails": "x", "secrets": secrets})
    assert response.status_code == 400, response.text
    assert f"{named}:" in response.json()["error"], response.json()


def test_a_field_inside_an_iframe_is_judged_by_the_frame_host(api, llm, bank):
    """The page is on 127.0.0.1, the form in its iframe on localhost: only a localhost entry fills it."""
    tag = script(llm, [
        act({"action": "type", "index": {"$find": "Password"}, "text": "<secret:password>", "submit": False},
            goal="no entry for the frame's host"),
        act({"action": "type", "index": {"$find": "Username"}, "text": "<secret:username>", "submit": False},
            {"action": "click", "index": {"$find": "Sign in"}}, goal="frame host"),
        done("signed in"),
    ])
    body = api.post("/start/run-task", json={
        "taskDetails": f"sign in {tag}", "startingPoint": f"{bank.url}/signin_frame.html",
        "secrets": [{"match": "127.0.0.1", "fields": {"password": DECOY}},
                    {"match": "localhost", "fields": {"username": USERNAME}},
                    {"match": "*.localhost", "fields": {"password": "not-the-apex"}}]}).json()
    assert body["status"] == "completed", body
    steps = json.loads(_trace(api, body))["steps"]
    assert "not typed: the secret field 'password' is not for localhost" in steps[0]["error"], steps[0]
    assert bank.wait_report("signin") == {"type": "signin", "username": USERNAME, "password": "", "pin": ""}
    assert _leaks(json.dumps(body) + json.dumps(steps)) == []
