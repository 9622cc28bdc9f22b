"""The step trace of a task: what the agent saw and did, with screenshots, for the owner only."""
from __future__ import annotations

from tests.e2e.conftest import act, done, script


def test_step_trace_with_screenshots(server, api, llm, site):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Next page"}}, goal="open the next page"),
                       done({"$match": r"Step two of three"})])
    body = api.post("/start/run-task", json={"taskDetails": f"trace {tag}", "startingUrl": f"{site}/list.html"}).json()
    assert body["status"] == "completed", body
    path = f"/task/{body['sessionId']}/{body['taskId']}/steps"
    trace = api.get(path).json()
    steps = trace["steps"]
    assert [s["number"] for s in steps] == [1, 2]
    first = steps[0]
    assert first["url"] == f"{site}/list.html" and first["title"] == "Reading list"
    assert first["nextGoal"] == "open the next page" and first["actions"][0]["action"] == "click"
    assert first["inputTokens"] > 0 and first["error"] is None
    assert steps[1]["url"] == f"{site}/step2.html"
    shot = api.get(first["screenshotUrl"])
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/jpeg"
    assert shot.content[:3] == b"\xff\xd8\xff"
    # not the owner: not found; no key: 401
    with server.client(key=server.create_key()) as other:
        assert other.get(path).status_code == 404
        assert other.get(first["screenshotUrl"]).status_code == 404
    with server.client(key=None) as anon:
        assert anon.get(path).status_code == 401
