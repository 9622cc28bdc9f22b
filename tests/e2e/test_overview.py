"""The read-only overview routes (GET /account, /sessions, /sessions/:id, /files, /usage) and
POST /policies/check, over HTTP: each shows the caller's own things only."""
from __future__ import annotations

import io

from tests.e2e.conftest import done, script, terminate


def test_account_names_the_key_and_its_balance(server, api):
    me = api.get("/account").json()
    assert me["success"] is True and me["admin"] is True and me["balance"] is None and "admin" in me["scopes"]
    with server.client(server.create_key()) as other:
        them = other.get("/account").json()
    assert them["accountId"] != me["accountId"] and them["admin"] is False
    assert sorted(them["scopes"]) == ["read", "task:create"]
    with server.client("owr_wrong") as wrong:
        assert wrong.get("/account").status_code == 401


def test_sessions_list_the_live_ones_with_state_and_the_recent_tasks(server, api, llm, site):
    tag = script(llm, [done("listed")])
    started = api.post("/start/start-session", json={"initialTask": {"taskDetails": f"look {tag}",
                                                                      "startingPoint": f"{site}/list.html"}}).json()
    sid, tid = started["sessionId"], started["taskId"]
    assert started["status"] == "completed", started
    listing = api.get("/sessions").json()
    mine = next(s for s in listing["sessions"] if s["sessionId"] == sid)
    assert mine["live"] is True and mine["state"] == "idle" and mine["url"] == f"{site}/list.html"
    assert mine["streaming"]["webViewURL"] == started["streaming"]["webViewURL"]
    recent = next(t for t in listing["recentTasks"] if t["taskId"] == tid)
    assert recent["status"] == "completed" and recent["taskDetails"] == f"look {tag}" and recent["sessionId"] == sid
    one = api.get(f"/sessions/{sid}").json()
    assert one["session"]["live"] is True and [t["taskId"] for t in one["tasks"]] == [tid]

    with server.client(server.create_key()) as other:  # someone else sees none of it
        assert all(s["sessionId"] != sid for s in other.get("/sessions").json()["sessions"])
        assert other.get("/sessions").json()["recentTasks"] == []
        refused = other.get(f"/sessions/{sid}")
        assert refused.status_code == 404 and refused.json()["code"] == "SESSION_NOT_FOUND"

    assert terminate(api, sid).json()["success"] is True
    ended = api.get(f"/sessions/{sid}").json()["session"]
    assert ended["live"] is False and ended["endedAt"] and "state" not in ended and "streaming" not in ended
    assert all(s["sessionId"] != sid for s in api.get("/sessions").json()["sessions"])


def test_files_list_the_callers_uploads_with_download_links(server, api):
    up = api.post("/files/upload", files={"files": ("a.txt", io.BytesIO(b"hello"), "text/plain")}).json()
    file_id = up["files"][0]["fileId"] if "files" in up else up["fileId"]
    listed = api.get("/files").json()["files"]
    mine = next(f for f in listed if f["fileId"] == file_id)
    assert mine["name"] == "a.txt" and mine["size"] == 5 and mine["source"] is None
    with server.client(None) as anonymous:  # the signed link needs no key
        assert anonymous.get(mine["downloadUrl"]).content == b"hello"
    with server.client(server.create_key()) as other:
        assert other.get("/files").json()["files"] == []


def test_usage_has_the_days_of_the_callers_tasks(server, api, llm, site):
    tag = script(llm, [done("counted")])
    assert api.post("/start/run-task", json={"taskDetails": f"count {tag}"}).json()["status"] == "completed"
    usage = api.get("/usage", params={"days": 7}).json()
    assert usage["balance"] is None and usage["days"] and usage["days"][-1]["tasks"] >= 1
    assert usage["days"][-1]["inputTokens"] > 0
    assert api.get("/usage", params={"days": 0}).status_code == 400


def test_policy_check_validates_without_saving(api):
    before = len(api.get("/policies").json()["policies"])
    good = {"name": "Checked", "actionRules": [{"category": "type", "permission": "block", "matchType": "keyword", "match": "x"}]}
    assert api.post("/policies/check", json=good).json() == {"success": True, "valid": True}
    bad = api.post("/policies/check", json={"name": "Bad", "actionRules": [
        {"category": "type", "permission": "block", "matchType": "regex", "match": "("}]})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_POLICY", bad.text
    assert len(api.get("/policies").json()["policies"]) == before


def test_a_file_is_deleted_by_its_owner_only(server, api):
    up = api.post("/files/upload", files={"files": ("gone.txt", io.BytesIO(b"bye"), "text/plain")}).json()
    file_id = up["files"][0]["fileId"] if "files" in up else up["fileId"]
    link = next(f for f in api.get("/files").json()["files"] if f["fileId"] == file_id)["downloadUrl"]
    with server.client(server.create_key()) as other:
        refused = other.delete(f"/files/{file_id}")
        assert refused.status_code == 404 and refused.json()["code"] == "FILE_NOT_FOUND"
    assert api.delete(f"/files/{file_id}").json() == {"success": True, "fileId": file_id}
    assert all(f["fileId"] != file_id for f in api.get("/files").json()["files"])
    assert api.get(f"/files/{file_id}").status_code == 404
    with server.client(None) as anonymous:  # its signed link is dead too
        assert anonymous.get(link).status_code == 404
    assert api.delete(f"/files/{file_id}").status_code == 404
    wrong_method = api.delete("/files/upload")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
