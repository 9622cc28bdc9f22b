"""Environments (profiles): a login done in one session is there in the next one, in an archive
downloaded and uploaded into another server, and a bad archive changes nothing.

The fixture page (site/profile.html) keeps a login in a cookie, localStorage, sessionStorage and
IndexedDB, and reports what it finds on each load to the recording site.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import tarfile

import httpx
import pytest

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, terminate, wait_until
from tests.e2e.test_hostile_input import conforms
from tests.support.archives import archive
from tests.support.recording_site import recording_site
from tests.support.servers import ServerProcess

LOGGED_IN = {"cookie": "ada", "local": "tok-ada-1", "session": "tab-ada-1", "idb": "ada"}
LOGGED_OUT = {"cookie": None, "local": None, "session": None, "idb": None}


@pytest.fixture(scope="module")
def server(make_server) -> ServerProcess:
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="60")


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def other(server):
    """A client with the key of another account."""
    with server.client(server.create_key()) as client:
        yield client


@pytest.fixture(scope="module")
def fresh(make_server) -> ServerProcess:
    """A second, empty server with a small archive limit."""
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="60", OPENWEBRUN_MAX_PROFILE_BYTES="200000")


@pytest.fixture
def site():
    with recording_site(SITE) as recording:
        yield recording


def create(client: httpx.Client, name: str = "shop", path: str = "/environments") -> dict:
    response = client.post(path, json={"name": name, "description": "logged in to the shop"})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["environment"] if "environment" in body else body["profile"]


def get_env(client: httpx.Client, env_id: str) -> dict:
    return next(e for e in client.get("/environments").json()["environments"] if e["_id"] == env_id)


def visit(client: httpx.Client, llm, site, env_field: dict, visit_no: int | str, *, login: bool = False) -> str:
    """Start a session on the environment that opens the page (and logs in); its session id once the task ended."""
    steps = [act({"action": "click", "index": {"$find": "Log in as Ada"}}, goal="log in")] if login else []
    tag = script(llm, [*steps, done("seen")])
    start = client.post("/start/start-session", json={**env_field, "initialTask": {
        "taskDetails": f"open the page {tag}", "startingPoint": f"{site.url}/profile.html?visit={visit_no}"}})
    assert start.status_code == 200, start.text
    body = start.json()
    assert poll_until_finished(client, body["sessionId"], body["taskId"])["status"] == "completed"
    return body["sessionId"]


def seen(site, visit_no: int | str, kind: str = "state") -> dict:
    report = site.wait_report(kind, visit=str(visit_no))
    return {k: report[k] for k in ("cookie", "local", "session", "idb")}


def upload(client: httpx.Client, env_id: str, data: bytes, name: str = "profile.tar.gz",
           path: str = "/environments") -> httpx.Response:
    return client.post(f"{path}/{env_id}/upload", files={"file": (name, data, "application/gzip")})


def test_login_is_kept_across_sessions_and_servers(api, other, server, fresh, llm, site):
    env = create(api)
    assert env["status"] == "empty" and env["blobSize"] == 0 and env["usageCount"] == 0

    first = visit(api, llm, site, {"environmentId": env["_id"]}, 1, login=True)
    assert seen(site, 1) == LOGGED_OUT
    assert seen(site, 1, "logged-in") == LOGGED_IN
    assert get_env(api, env["_id"])["inUse"] is True
    assert terminate(api, first).status_code == 200
    saved = get_env(api, env["_id"])
    assert saved["status"] == "ready" and saved["usageCount"] == 1 and saved["inUse"] is False
    assert saved["blobSize"] > 0 and saved["lastUsedAt"]

    # a new session on the same environment (by its older name, profileId) starts logged in
    second = visit(api, llm, site, {"profileId": env["_id"]}, 2)
    assert seen(site, 2) == LOGGED_IN

    # one live session per environment: a second one, a delete and an upload are refused
    clash = api.post("/start/start-session", json={"environmentId": env["_id"]})
    assert clash.status_code == 409, clash.text
    assert clash.json()["code"] == "ENVIRONMENT_IN_USE" and second in clash.json()["error"]
    assert api.delete(f"/environments/{env['_id']}").status_code == 409
    assert terminate(api, second).status_code == 200

    # another account sees nothing of it
    for response in (other.delete(f"/environments/{env['_id']}"), other.get(f"/profiles/{env['_id']}/download"),
                     other.get(f"/environments/{env['_id']}/files"), upload(other, env["_id"], b"x"),
                     other.post("/start/start-session", json={"environmentId": env["_id"]})):
        assert response.status_code == 404, response.text
        assert response.json()["success"] is False and response.json()["error"]
    assert other.get("/environments").json()["environments"] == []

    # the archive: a signed link that needs no key, valid one hour
    link = api.get(f"/profiles/{env['_id']}/download")
    assert link.status_code == 200, link.text
    url = link.json()["downloadUrl"]
    with httpx.Client(timeout=30) as anonymous:
        packed = anonymous.get(url)
        assert packed.status_code == 200 and packed.content[:2] == b"\x1f\x8b"
        assert anonymous.get(url.replace("signature=", "signature=0")).status_code == 403
    with tarfile.open(fileobj=io.BytesIO(packed.content), mode="r:gz") as tar:
        state = json.loads(tar.extractfile("state.json").read())
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    assert cookies["login"] == "ada"
    origin = next(o for o in state["origins"] if o["origin"] == site.url)
    assert {"name": "token", "value": "tok-ada-1"} in origin["localStorage"]
    assert {"name": "tab", "value": "tab-ada-1"} in origin["sessionStorage"]
    assert origin["indexedDB"][0]["name"] == "app"

    # into a fresh server: still logged in
    with fresh.client() as elsewhere:
        moved = create(elsewhere, "moved", path="/profiles")
        answer = upload(elsewhere, moved["_id"], packed.content, path="/profiles")
        assert answer.status_code == 200, answer.text
        assert answer.json()["message"] == "Profile uploaded successfully"
        assert answer.json()["profile"]["status"] == "ready" and answer.json()["profile"]["blobUploadedAt"]
        session = visit(elsewhere, llm, site, {"environmentId": moved["_id"]}, 3)
        assert seen(site, 3) == LOGGED_IN
        terminate(elsewhere, session)


def test_bad_archives_are_refused_and_change_nothing(fresh, llm, site):
    good_state = json.dumps({"cookies": [{"name": "login", "value": "grace", "domain": "127.0.0.1", "path": "/",
                                          "expires": -1, "httpOnly": False, "secure": False, "sameSite": "Lax"}],
                             "origins": []}).encode()
    with fresh.client() as client:
        env = create(client, "kept")
        assert upload(client, env["_id"], archive({"state.json": good_state, "files/notes.txt": b"remember"})).status_code == 200
        before = get_env(client, env["_id"])
        files_before = client.get(f"/environments/{env['_id']}/files").json()["files"]
        assert [f["originalName"] for f in files_before] == ["notes.txt"]

        bad = {
            "not gzip": b"this is not an archive",
            "gzip, not tar": gzip.compress(b"plain text, no tar inside"),
            "truncated": archive({"state.json": good_state})[:40],
            "no state": archive({"files/notes.txt": b"x"}),
            "wrong layout": archive({"profile/state.json": good_state}),
            "escapes the root": archive({"state.json": good_state, "../evil.txt": b"x"}),
            "absolute path": archive({"state.json": good_state, "/tmp/evil.txt": b"x"}),
            "a symlink": archive({"state.json": good_state}, kinds={"files/link": tarfile.SYMTYPE}),
            "bad state": archive({"state.json": b'{"cookies": [{"name": 1}]}'}),
            "state not json": archive({"state.json": b"{nope"}),
            "too big": archive({"state.json": good_state, "files/big.bin": os.urandom(300_000)}),
            "unpacks too big": archive({"state.json": good_state, "files/zeros.bin": bytes(250_000)}),
        }
        for what, data in bad.items():
            refused = upload(client, env["_id"], data)
            assert refused.status_code == 400, (what, refused.text)
            assert refused.json()["code"] == "INVALID_ARCHIVE" and refused.json()["message"].startswith("Invalid archive"), what
        assert upload(client, env["_id"], archive({"state.json": good_state}), name="profile.zip").json()["message"] == \
            "Only .tar.gz files are allowed"
        assert client.post(f"/environments/{env['_id']}/upload", data={"x": "1"}, files={"other": ("a", b"b")}) \
            .json()["message"].startswith("No file provided")
        assert get_env(client, env["_id"]) == before
        assert client.get(f"/environments/{env['_id']}/files").json()["files"] == files_before

        # the environment still works as it was: the uploaded cookie is there
        session = visit(client, llm, site, {"environmentId": env["_id"]}, 4)
        assert site.wait_report("state", visit="4")["cookie"] == "grace"
        terminate(client, session)


def test_objects_limits_and_files(fresh):
    with fresh.client() as client:
        for path, noun in (("/environments", "Environment"), ("/profiles", "Profile")):
            missing = client.post(path, json={"description": "no name"})
            assert missing.status_code == 400 and missing.json()["message"] == f"{noun} name is required"
        assert client.post("/environments", json={"name": "x" * 101}).status_code == 400
        assert client.post("/environments", json={"name": "x", "description": "d" * 501}).status_code == 400

        env = create(client, "with files")
        packed = archive({"state.json": b'{"cookies": [], "origins": []}', "files/a.txt": b"aaa", "files/b.txt": b"bb"})
        # the answers match the OpenAPI document (the fuzz never reaches a ready environment)
        document = client.get("/openapi.json").json()
        assert conforms(document, "/environments/{env_id}/upload", "post", upload(client, env["_id"], packed))
        conforms(document, "/profiles/{env_id}/download", "get", client.get(f"/profiles/{env['_id']}/download"))
        conforms(document, "/profiles", "get", client.get("/profiles"))
        conforms(document, "/environments/{env_id}/files", "get", client.get(f"/environments/{env['_id']}/files"))
        conforms(document, "/environments/{env_id}", "delete", client.delete(f"/environments/{'0' * 32}"), status=404)
        files = client.get(f"/environments/{env['_id']}/files").json()["files"]
        assert sorted((f["originalName"], f["size"]) for f in files) == [("a.txt", 3), ("b.txt", 2)]
        gone = next(f for f in files if f["originalName"] == "a.txt")
        deleted = client.delete(f"/environments/{env['_id']}/files/{gone['fileId']}")
        assert deleted.json() == {"success": True, "message": "File deleted"}
        again = client.delete(f"/environments/{env['_id']}/files/{gone['fileId']}")
        assert again.status_code == 404 and again.json()["message"] == "File not found"
        assert [f["originalName"] for f in client.get(f"/environments/{env['_id']}/files").json()["files"]] == ["b.txt"]

        # files uploaded for tasks can be kept in an environment too
        kept = client.post("/files/upload", data={"environmentId": env["_id"]}, files={"file": ("c.txt", b"cccc")})
        assert kept.status_code == 200, kept.text
        listed = client.get(f"/environments/{env['_id']}/files").json()["files"]
        assert [f["originalName"] for f in listed] == ["b.txt", "c.txt"]
        assert get_env(client, env["_id"])["blobSize"] == len(b'{"cookies":[],"origins":[]}') + 2 + 4
        unknown = client.post("/files/upload", data={"environmentId": "0" * 32}, files={"file": ("d.txt", b"d")})
        assert unknown.status_code == 404

        # the two route sets are one set of objects, newest first
        profile = create(client, "made as a profile", path="/profiles")
        listed = [e["_id"] for e in client.get("/environments").json()["environments"]]
        assert listed == [e["_id"] for e in client.get("/profiles").json()["profiles"]]
        assert listed[0] == profile["_id"]
        empty = client.get(f"/profiles/{profile['_id']}/download")
        assert empty.status_code == 400 and empty.json()["message"] == "Profile has no data to download"
        assert client.delete(f"/profiles/{profile['_id']}").json() == {"success": True, "message": "Profile deleted"}
        assert client.delete(f"/profiles/{profile['_id']}").json()["message"] == "Profile not found"

        # 20 per account
        while len(client.get("/environments").json()["environments"]) < 20:
            create(client, "filler")
        over = client.post("/environments", json={"name": "one too many"})
        assert over.status_code == 400 and over.json()["message"] == "Maximum of 20 environments allowed"
        assert client.delete(f"/environments/{env['_id']}").json()["message"] == "Environment deleted"
        assert client.get(f"/environments/{env['_id']}/files").status_code == 404


def test_rate_limit_per_address(make_server):
    limited = make_server(OPENWEBRUN_ENVIRONMENT_RATE_LIMIT="3/15 minutes")
    with limited.client() as client:
        answers = [client.get("/environments") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert int(answers[3].headers["Retry-After"]) > 0
    assert answers[3].json()["message"] == "Rate limit exceeded. Please try again later."
    assert answers[3].json()["code"] == "RATE_LIMIT_EXCEEDED"


@pytest.mark.parametrize("ending", ["terminateOnCompletion", "expiry"])
def test_state_is_saved_whatever_ends_the_session(api, llm, site, ending):
    """run-task closes its session when the task ends; an idle session expires: both save the login."""
    env = create(api, f"ended by {ending}")
    tag = script(llm, [act({"action": "click", "index": {"$find": "Log in as Ada"}}, goal="log in"), done("in")])
    task = {"taskDetails": f"log in {tag}", "startingPoint": f"{site.url}/profile.html?visit={ending}"}
    if ending == "expiry":
        started = api.post("/start/start-session", json={"environmentId": env["_id"], "initialTask": task,
                                                         "expiresIn": 1000})
    else:
        started = api.post("/start/run-task", json={"environmentId": env["_id"], **task})
    assert started.status_code == 200, started.text
    assert site.wait_report("logged-in", visit=ending)["cookie"] == "ada"
    assert poll_until_finished(api, started.json()["sessionId"], started.json()["taskId"])["status"] == "completed"
    if ending == "expiry":
        wait_until(lambda: not get_env(api, env["_id"])["inUse"])
        assert get_env(api, env["_id"])["status"] == "ready"
    # after run-task, the next start waits for the ending session to save (no 409 for back-to-back tasks)
    session = visit(api, llm, site, {"environmentId": env["_id"]}, f"after-{ending}")
    assert seen(site, f"after-{ending}") == LOGGED_IN
    terminate(api, session)
