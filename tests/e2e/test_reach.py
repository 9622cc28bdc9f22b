"""What the browser may reach, over HTTP against the real server: refused starting points answer
400, refused navigations are errors the agent reads, and a refused server is never contacted."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import SITE, act, done, script
from tests.support.recording_site import recording_site

METADATA = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture(scope="module")
def strict(make_server):
    """A server as shipped: private networks are refused."""
    return make_server(OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS="false", OPENWEBRUN_WAIT_WINDOW_S="30")


@pytest.fixture(scope="module")
def strict_api(strict):
    with strict.client() as client:
        yield client


@pytest.fixture
def inside():
    with recording_site(SITE) as site:
        yield site


def test_refused_starting_points_answer_400(strict, strict_api, inside):
    port = inside.url.rsplit(":", 1)[1]
    cases = {
        "file:///etc/passwd": "file: URLs cannot be opened",
        f"file://{strict.data_dir}/": "file: URLs cannot be opened",  # the data directory: others' files
        "chrome://version": "chrome: URLs cannot be opened",
        "view-source:" + inside.url: "view-source: URLs cannot be opened",
        f"{inside.url}/list.html": "127.0.0.1 is a loopback address",
        f"http://localhost:{port}/list.html": "localhost (127.0.0.1) is a loopback address",
        METADATA: "169.254.169.254 is a link-local address",
    }
    free = strict_api.get("/start/health").json()["instanceCount"]
    for url, reason in cases.items():
        response = strict_api.post("/start/run-task", json={"taskDetails": "read it", "startingPoint": url})
        body = response.json()
        assert response.status_code == 400, (url, body)
        assert body["code"] == "URL_NOT_ALLOWED" and body["error"].startswith("startingPoint cannot be opened: ")
        assert reason in body["error"], (url, body)
    response = strict_api.post("/start/start-session", json={"initialTask": {"taskDetails": "x",
                                                                              "startingPoint": "file:///etc/passwd"}})
    assert response.status_code == 400 and response.json()["code"] == "URL_NOT_ALLOWED"
    assert strict_api.get("/start/health").json()["instanceCount"] == free  # no session was opened
    assert inside.requests == []


def test_refused_navigations_are_errors_the_agent_reads(strict, strict_api, llm, inside):
    port = inside.url.rsplit(":", 1)[1]
    tag = script(llm, [
        act({"action": "navigate", "url": f"file://{strict.data_dir}/"}, goal="list the data directory"),
        act({"action": "navigate", "url": f"localhost:{port}/list.html"}, goal="open the inside site"),
        act({"action": "open_tab", "url": METADATA}, goal="read the cloud metadata"),
        done("refused everywhere"),
    ])
    body = strict_api.post("/start/run-task", json={"taskDetails": f"look around {tag}"}).json()
    assert body["status"] == "completed", body
    steps = strict_api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"]
    errors = [s["error"] for s in steps[:3]]
    assert errors[0] == f"cannot open file://{strict.data_dir}/: file: URLs cannot be opened; only http: and https: pages can"
    assert "localhost (127.0.0.1) is a loopback address" in errors[1]
    assert "169.254.169.254 is a link-local address" in errors[2]
    # the model was told: the next request it got holds the error
    seen = json.dumps(llm.requests_for(tag.split(":", 1)[1])[1])
    assert "file: URLs cannot be opened" in seen
    assert inside.requests == []


def test_link_local_is_refused_when_private_networks_are_allowed(api):
    response = api.post("/start/run-task", json={"taskDetails": "read it", "startingPoint": METADATA})
    assert response.status_code == 400
    assert "link-local address" in response.json()["error"]
