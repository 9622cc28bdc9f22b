"""A task's secrets never come back: not in steps, results, errors, visited URLs or file names."""
from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from tests.e2e.conftest import act, done, script

SECRET = "Hx7 kq&Lm4"
FORMS = [SECRET, quote(SECRET, safe=""), quote(SECRET, safe="&"), quote_plus(SECRET)]  # as typed, as in URLs


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def _secret_task(details: str, starting: str) -> dict:
    return {"taskDetails": details, "startingPoint": starting,
            "secrets": [{"match": "bank.example", "fields": {"password": SECRET}}]}


def test_secret_in_title_url_and_download_name_is_masked(api, llm, site):
    tag = script(llm, [
        {"thinking": f"the holder is {SECRET}", "next_goal": f"download the statement of {SECRET}",
         "actions": [{"action": "click", "index": {"$find": "Download the statement"}}]},
        act({"action": "navigate", "url": f"{site}/list.html?token={SECRET}"}, goal="open the list"),
        done(f"Statement of {SECRET} downloaded"),
    ])
    starting = f"{site}/statement.html?account={quote(SECRET, safe='')}"
    body = api.post("/start/run-task", json=_secret_task(f"get the statement {tag}", starting)).json()
    assert body["status"] == "completed", body
    assert _leaks(json.dumps(body, ensure_ascii=False)) == []
    assert body["data"]["message"] == "Statement of ••• downloaded"
    assert body["data"]["files"][0]["filename"] == "•••-statement.csv"
    urls = [u["url"] for u in body["data"]["network"][0]["urls"]]
    assert urls[0] == f"{site}/statement.html?account=•••" and urls[-1] == f"{site}/list.html?token=•••"

    trace = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps")
    assert _leaks(trace.text) == []
    first, second = trace.json()["steps"][:2]
    assert first["title"] == "Statement of •••" and first["url"].endswith("?account=•••")
    assert first["thinking"] == "the holder is •••" and first["nextGoal"] == "download the statement of •••"
    assert second["actions"][0]["url"] == f"{site}/list.html?token=•••"

    stored = api.get(body["data"]["files"][0]["downloadUrl"])
    assert stored.status_code == 200 and _leaks(stored.headers["content-disposition"]) == []
    assert quote("•••-statement.csv") in stored.headers["content-disposition"]
    # the model's first view of the page (before it wrote anything itself) was masked the same way
    first_view = json.dumps(llm.requests_for(tag.split(":", 1)[1])[0], ensure_ascii=False)
    assert "Account holder: •••" in first_view and _leaks(first_view) == []


def test_secret_in_errors_is_masked(api, llm, site):
    tag = script(llm, [
        act({"action": "navigate", "url": f"file:///{SECRET}"}, goal="try a file"),
        done(f"the account {SECRET} is locked", success=False),
    ])
    body = api.post("/start/run-task", json=_secret_task(f"log in {tag}", f"{site}/list.html")).json()
    assert body["status"] == "failed" and body["code"] == "TASK_NOT_COMPLETED", body
    assert body["error"] == "the account ••• is locked"
    trace = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps")
    assert _leaks(trace.text) == []
    assert trace.json()["steps"][0]["error"] == ("cannot open file:///•••: file: URLs cannot be opened; "
                                                 "only http: and https: pages can")


@pytest.fixture(scope="module")
def no_screenshots(make_server):
    server = make_server(OPENWEBRUN_STEP_SCREENSHOTS="off", OPENWEBRUN_WAIT_WINDOW_S="30")
    with server.client() as client:
        yield client


def test_step_screenshots_off_keeps_none(no_screenshots, llm, site):
    tag = script(llm, [done("seen")])
    body = no_screenshots.post("/start/run-task", json={"taskDetails": f"look {tag}",
                                                        "startingPoint": f"{site}/list.html"}).json()
    assert body["status"] == "completed", body
    path = f"/task/{body['sessionId']}/{body['taskId']}/steps"
    step = no_screenshots.get(path).json()["steps"][0]
    assert step["screenshotUrl"] is None and step["title"] == "Reading list"
    assert no_screenshots.get(f"{path}/1/screenshot").status_code == 404
