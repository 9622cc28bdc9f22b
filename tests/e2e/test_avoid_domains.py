"""avoidDomains: the task's domains (and subdomains) are blocked in the browser's network layer:
navigations, frames, fetches from a page and redirects; the fixture server never sees them, and
the network log and step trace record them as blocked. Bad entries answer 400."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, send_task, terminate
from tests.support.recording_site import recording_site


@pytest.fixture
def neighbour():
    with recording_site(SITE) as site:
        yield site


def test_avoided_domain_is_blocked_while_its_address_works(api, llm, neighbour):
    port = neighbour.url.rsplit(":", 1)[1]
    avoided = f"http://localhost:{port}"
    tag = script(llm, [
        act({"action": "navigate", "url": f"{avoided}/list.html?via=navigate"}, goal="go to the avoided host"),
        act({"action": "navigate", "url": f"{neighbour.url}/redirect?to={avoided}/list.html%3Fvia%3Dredirect"},
            goal="follow a redirect"),
        act({"action": "navigate", "url": f"{neighbour.url}/avoid.html"}, goal="open a page with a frame and a fetch"),
        act({"action": "click", "index": {"$find": "Open the neighbour"}}, goal="open a new tab"),
        done("done"),
    ])
    start = api.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"visit {tag}", "startingPoint": f"{neighbour.url}/list.html", "avoidDomains": ["localhost"]}})
    assert start.status_code == 200, start.text
    body = poll_until_finished(api, start.json()["sessionId"], start.json()["taskId"])
    assert body["status"] == "completed", body
    neighbour.wait_report("fetch")  # the page's fetch has settled either way
    neighbour.wait_for(lambda h: h.path == "/avoid.html")
    seen = neighbour.requests
    assert "GET /list.html" in seen and "GET /avoid.html" in seen  # 127.0.0.1 works
    assert not [r for r in seen if "via=" in r], seen  # localhost never reached the server

    trace = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"]
    assert trace[0]["error"] == (f"cannot open {avoided}/list.html?via=navigate: the site is blocked by the "
                                 "task's avoidDomains (localhost)"), trace[0]
    # the model read why: the redirect's landing page says it, in the next page state
    name = tag.split(":", 1)[1]
    after_redirect = json.dumps(llm.requests_for(name)[2])
    assert f"The browser refused to open {avoided}/list.html?via=redirect" in after_redirect
    assert "blocked by the task's avoidDomains (localhost)" in after_redirect
    blocked = [u["url"] for u in body["data"]["network"][0]["urls"] if u.get("blocked")]
    assert f"{avoided}/list.html?via=redirect" in blocked
    assert f"{avoided}/list.html?via=frame" in blocked and f"{avoided}/ping.html?via=fetch" in blocked
    assert f"{avoided}/list.html?via=popup" in blocked
    assert all(u.startswith(avoided) for u in blocked), blocked
    assert not [u for u in body["data"]["network"][0]["urls"] if u["url"].startswith(avoided) and not u.get("blocked")]
    # the step trace names what each step had blocked
    assert trace[1]["results"][0].endswith(f"[blocked by the task's avoidDomains: {avoided}/list.html?via=redirect]")
    assert f"{avoided}/list.html?via=frame" in trace[2]["results"][0], trace[2]
    assert f"{avoided}/list.html?via=popup" in trace[3]["results"][0], trace[3]
    # the rules were the task's: the next task in the session reaches localhost again
    free = script(llm, [act({"action": "navigate", "url": f"{avoided}/list.html?via=later"}, goal="go"), done("ok")])
    later = send_task(api, body["sessionId"], f"again {free}")
    assert later.status_code == 200 and later.json()["status"] == "completed", later.text
    assert neighbour.wait_for(lambda h: h.path == "/list.html?via=later")
    assert terminate(api, body["sessionId"]).status_code == 200


def test_subdomains_are_covered_by_their_domain(api, llm, neighbour):
    tag = script(llm, [act({"action": "navigate", "url": "http://deep.shop.example/x"}, goal="go"),
                       done("done")])
    body = api.post("/start/run-task", json={"taskDetails": f"go {tag}", "startingPoint": f"{neighbour.url}/list.html",
                                             "avoidDomains": ["shop.example"]}).json()
    trace = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"]
    assert trace[0]["error"] == ("cannot open http://deep.shop.example/x: the site is blocked by the task's "
                                 "avoidDomains (shop.example)"), trace[0]


def test_blocked_starting_point_fails_the_task(api, neighbour):
    port = neighbour.url.rsplit(":", 1)[1]
    body = api.post("/start/run-task", json={"taskDetails": "read", "avoidDomains": ["LOCALHOST"],
                                             "startingPoint": f"http://localhost:{port}/list.html"}).json()
    assert body["status"] == "failed" and body["code"] == "POLICY_BLOCKED", body
    assert "blocked by the task's avoidDomains (localhost)" in body["error"]
    assert neighbour.requests == []


@pytest.mark.parametrize(("avoid", "named"), [
    ("localhost", "avoidDomains"),
    ([""], "avoidDomains.0"),
    (["ok.example", "https://bad.example/login"], "avoidDomains.1"),
    (["bad.example/path"], "avoidDomains.0"),
    ([7], "avoidDomains.0"),
])
def test_bad_avoid_domains_answer_400(api, avoid, named):
    response = api.post("/start/run-task", json={"taskDetails": "x", "avoidDomains": avoid})
    assert response.status_code == 400, response.text
    assert f"{named}:" in response.json()["error"], response.json()
