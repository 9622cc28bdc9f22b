"""Vision on: the model gets a screenshot each step and may click its pixels (click_at); off, the
action is neither offered nor accepted."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import act, done, script


def _system(request: dict) -> str:
    return next(m["content"] for m in request["messages"] if m["role"] == "system")


def _offered(request: dict) -> str:
    return json.dumps(request.get("response_format") or request.get("tools") or "")


@pytest.fixture(scope="module")
def vision_server(make_server):
    return make_server(OPENWEBRUN_VISION="true")


def test_click_at_lands_on_the_screenshot_pixel(vision_server, llm, site):
    tag = script(llm, [act({"action": "click_at", "x": 130, "y": 112}, goal="click the red box"),
                       done({"$match": r"Pointed at \d+,\d+"})])
    with vision_server.client() as api:
        body = api.post("/start/run-task", json={"taskDetails": f"point {tag}", "startingUrl": f"{site}/point.html"}).json()
    assert body["status"] == "completed", body
    assert body["data"]["message"] == "Pointed at 30,12"  # the pixel of the screenshot is the viewport's CSS pixel
    first = llm.requests_for(tag.removeprefix("script:"))[0]
    assert "click_at(x, y)" in _system(first) and '"click_at"' in _offered(first)
    user = next(m for m in first["messages"] if m["role"] == "user")
    assert any(part.get("type") == "image_url" for part in user["content"])


def test_without_vision_click_at_is_not_offered_nor_run(server, api, llm, site):
    tag = script(llm, [act({"action": "click_at", "x": 130, "y": 112}),
                       done({"$match": r"Pointed at \d+,\d+"})])
    body = api.post("/start/run-task", json={"taskDetails": f"point {tag}", "startingUrl": f"{site}/point.html"}).json()
    first, second = llm.requests_for(tag.removeprefix("script:"))[:2]
    assert "click_at" not in _system(first) and "click_at" not in _offered(first)
    assert not any(isinstance(m["content"], list) for m in first["messages"])  # no screenshot either
    # the answer does not fit the decision schema: the model is asked again, and nothing was clicked
    assert second["messages"][-1]["role"] == "user" and "$.actions[0]" in second["messages"][-1]["content"]
    assert body["status"] == "completed" and "Pointed" not in json.dumps(body["data"]), body
