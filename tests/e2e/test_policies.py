"""Automation policies over HTTP in real Chromium: /policies CRUD and templates, a blocklisted
domain never requested (agent and network layer) with the agent told, the card-number detector
(Luhn), a form submit under a guardrail approved and rejected, POLICY_BLOCKED for an agent that
keeps trying, the LLM role in the instructions, and the audit trail of all of it."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, terminate, wait_until
from tests.support.recording_site import recording_site

CARD_OK = "4111 1111 1111 1111"  # passes the Luhn check
CARD_BAD = "4111 1111 1111 1112"  # fails it


@pytest.fixture
def neighbour():
    with recording_site(SITE) as site:
        yield site


def create(api, **doc) -> dict:
    answer = api.post("/policies", json={"name": "test policy", **doc})
    assert answer.status_code == 200, answer.text
    return answer.json()["policy"]


def audit(api, policy_id: str, session_id: str) -> list[dict]:
    answer = api.get(f"/policies/{policy_id}/audit", params={"sessionId": session_id})
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


def wait_guardrail(api, session_id: str, task_id: str) -> dict:
    bodies: list[dict] = []

    def asked() -> bool:
        bodies.append(api.get(f"/task/{session_id}/{task_id}").json())
        return bodies[-1].get("status") in ("guardrail", "completed", "failed")

    wait_until(asked)
    return bodies[-1]


def test_crud_templates_and_validation(api, server):
    policy = create(api, description="d", actionRules=[
        {"category": "Type / Keyboard", "permission": "block", "scope": "Target", "matchType": "Detector",
         "match": "card_number"}])
    assert policy["actionRules"] == [{"id": "rule-1", "category": "type", "permission": "block", "scope": "target",
                                      "matchType": "detector", "match": "card_number"}]
    assert policy["status"] == "active" and policy["domainRules"] == {"mode": "allow_all", "entries": []}
    assert api.get(f"/policies/{policy['id']}").json()["policy"] == policy
    assert policy["id"] in [p["id"] for p in api.get("/policies").json()["policies"]]
    replaced = api.put(f"/policies/{policy['id']}", json={"name": "renamed", "status": "draft"})
    assert replaced.status_code == 200 and replaced.json()["policy"]["name"] == "renamed"
    assert replaced.json()["policy"]["actionRules"] == []
    draft = api.post("/start/start-session", json={"policyId": policy["id"]})
    assert draft.status_code == 400 and draft.json()["code"] == "POLICY_NOT_ACTIVE", draft.text
    with server.client(server.create_key()) as other:
        assert other.get(f"/policies/{policy['id']}").status_code == 404  # someone else's is not revealed
        assert other.post("/start/start-session", json={"policyId": policy["id"]}).status_code == 404
    assert api.delete(f"/policies/{policy['id']}").status_code == 200
    assert api.get(f"/policies/{policy['id']}").status_code == 404
    assert api.post("/start/start-session", json={"policyId": policy["id"]}).status_code == 404

    templates = api.get("/policies/templates").json()["templates"]
    assert set(templates) == {"research_only", "financial_compliance", "healthcare", "strict_lockdown"}
    for name, document in templates.items():
        made = api.post("/policies", json=document)
        assert made.status_code == 200, (name, made.text)
        assert made.json()["policy"]["status"] == "draft"
        assert len(made.json()["policy"]["actionRules"]) == len(document["actionRules"])

    for rules, message in [
        ([{"id": "r9", "category": "type", "permission": "block", "matchType": "regex", "match": "(oops"}],
         "actionRules[0] (id 'r9'): invalid regex '(oops'"),
        ([{"category": "teleport", "permission": "block", "match": "x"}], "unknown category 'teleport'"),
    ]:
        bad = api.post("/policies", json={"name": "bad", "actionRules": rules})
        assert bad.status_code == 400 and bad.json()["code"] == "INVALID_POLICY", bad.text
        assert message in bad.json()["error"], bad.text
    bad = api.post("/policies", json={"name": "bad", "domainRules": {
        "mode": "blocklist", "entries": [{"id": "d1", "pattern": "https://x.test/", "action": "block"}]}})
    assert bad.status_code == 400 and "domainRules.entries[0] (id 'd1'): pattern" in bad.json()["error"], bad.text
    too_long = api.post("/policies", json={"name": "long", "llmRole": "x" * 2001})
    assert too_long.status_code == 400 and "llmRole" in too_long.json()["error"]


def test_blocklisted_domain_is_never_requested_and_the_agent_is_told(api, llm, neighbour):
    port = neighbour.url.rsplit(":", 1)[1]
    other = f"http://localhost:{port}"
    policy = create(api, llmRole="Never visit the localhost mirror.",
                    domainRules={"mode": "blocklist", "entries": [{"id": "mirror", "pattern": "localhost",
                                                                   "action": "block"}]})
    tag = script(llm, [
        act({"action": "navigate", "url": f"{other}/list.html?via=navigate"}, goal="open the blocked host"),
        act({"action": "navigate", "url": f"{neighbour.url}/avoid.html"}, goal="a page reaching for it"),
        act({"action": "click", "index": {"$find": "Open the neighbour"}}, goal="a link to it"),
        done("done"),
    ])
    start = api.post("/start/start-session", json={"policyId": policy["id"], "initialTask": {
        "taskDetails": f"visit {tag}", "startingPoint": f"{neighbour.url}/list.html"}})
    assert start.status_code == 200, start.text
    body = poll_until_finished(api, start.json()["sessionId"], start.json()["taskId"])
    assert body["status"] == "completed", body
    neighbour.wait_report("fetch")  # the page's own fetch to the blocked host has settled
    assert not [r for r in neighbour.requests if "via=" in r], neighbour.requests  # nothing reached the server
    steps = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"]
    assert steps[0]["error"].startswith("navigate was blocked by policy 'test policy' (rule mirror"), steps[0]
    name = tag.split(":", 1)[1]
    requests = llm.requests_for(name)
    assert "navigate was blocked by policy" in json.dumps(requests[1])  # told, in the next step
    assert "Never visit the localhost mirror." in requests[0]["messages"][0]["content"]  # the LLM role
    entries = audit(api, policy["id"], body["sessionId"])
    blocked = [(e["layer"], e["ruleId"]) for e in entries if e["decision"] == "block"]
    assert ("agent", "mirror") in blocked and ("network", "mirror") in blocked, entries
    assert terminate(api, body["sessionId"]).status_code == 200


def test_card_numbers_are_blocked_by_the_luhn_detector(api, llm, neighbour):
    policy = create(api, actionRules=[{"id": "cards", "category": "type", "permission": "block", "scope": "target",
                                       "matchType": "detector", "match": "card_number"}])
    tag = script(llm, [
        act({"action": "type", "index": {"$find": "Your name"}, "text": CARD_OK, "submit": None},
            goal="type a valid card number"),
        act({"action": "type", "index": {"$find": "Your name"}, "text": CARD_BAD, "submit": True},
            goal="type a number that fails Luhn and send the form"),
        done("sent"),
    ])
    body = api.post("/start/run-task", json={"policyId": policy["id"], "taskDetails": f"order {tag}",
                                             "startingPoint": f"{neighbour.url}/form.html"}).json()
    body = poll_until_finished(api, body["sessionId"], body["taskId"])
    assert body["status"] == "completed", body
    sent = neighbour.wait_for(lambda h: h.path.startswith("/confirm.html"))
    assert "name=4111+1111+1111+1112" in sent.path  # the Luhn-failing number was typed and sent
    assert not [r for r in neighbour.requests if "1111+1111+1111+1111" in r]
    steps = api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"]
    assert "blocked by policy 'test policy' (rule cards" in steps[0]["error"], steps[0]
    assert steps[1]["error"] is None, steps[1]
    entries = audit(api, policy["id"], body["sessionId"])
    assert [(e["category"], e["decision"], e["ruleId"]) for e in entries] == [
        ("navigation", "allow", None), ("screenshot", "allow", None),  # the starting point, step screenshots
        ("type", "block", "cards"), ("type", "allow", None)]
    assert CARD_BAD in entries[3]["action"] and entries[2]["action"].startswith("type '4111")


@pytest.mark.parametrize("answer", ["resume", "stop"])
def test_form_submit_waits_for_a_person(api, llm, neighbour, answer):
    policy = create(api, actionRules=[{"id": "approve-submit", "category": "form_submit", "permission": "guardrail",
                                       "scope": "all", "matchType": "regex", "match": "[\\s\\S]"}])
    person = "Ada" if answer == "resume" else "Bob"
    tag = script(llm, [
        act({"action": "type", "index": {"$find": "Your name"}, "text": person, "submit": None}, goal="fill in the name"),
        act({"action": "click", "index": {"$find": "Place order"}}, goal="send the order"),
        done("ordered"),
    ])
    start = api.post("/start/start-session", json={"policyId": policy["id"], "initialTask": {
        "taskDetails": f"order {tag}", "startingPoint": f"{neighbour.url}/form.html"}})
    session_id, task_id = start.json()["sessionId"], start.json()["taskId"]
    held = wait_guardrail(api, session_id, task_id)
    assert held["type"] == "guardrail_trigger", held
    data = held["data"]
    assert (data["type"], data["reason"], data["policyId"], data["ruleId"]) == (
        "human_input_needed", "policy", policy["id"], "approve-submit")
    assert "click" in data["value"] and "Place order" in data["value"] and "submits a form" in data["value"]
    assert not neighbour.requested("/confirm.html")  # the form was not sent while it waits
    sent = api.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "guardrail", "prompt": "ok" if answer == "resume" else "no", "newState": answer}})
    assert sent.status_code == 200, sent.text
    body = poll_until_finished(api, session_id, task_id)
    entries = audit(api, policy["id"], session_id)
    guardrails = [(e["ruleId"], e["humanResponse"]) for e in entries if e["decision"] == "guardrail"]
    if answer == "resume":
        assert body["status"] == "completed", body
        assert neighbour.wait_for(lambda h: h.path.startswith("/confirm.html?name=Ada"))
        assert guardrails == [("approve-submit", "approved")]
    else:
        assert body["status"] == "failed" and body["code"] == "STOPPED", body
        assert not [r for r in neighbour.requests if "name=Bob" in r]
        assert guardrails == [("approve-submit", "rejected")]
    assert ("type", "allow") in [(e["category"], e["decision"]) for e in entries]  # typing the name: allowed
    terminate(api, session_id)


def test_an_agent_that_keeps_trying_fails_policy_blocked(api, llm, neighbour):
    policy = create(api, actionRules=[{"id": "no-admin", "category": "navigation", "permission": "block",
                                       "urlPattern": "*/admin/*"}])
    again = act({"action": "navigate", "url": f"{neighbour.url}/admin/users"}, goal="open admin")
    tag = script(llm, [again, again, again, done("never")])
    body = api.post("/start/run-task", json={"policyId": policy["id"], "taskDetails": f"admin {tag}",
                                             "startingPoint": f"{neighbour.url}/list.html"}).json()
    body = poll_until_finished(api, body["sessionId"], body["taskId"])
    assert body["status"] == "failed" and body["code"] == "POLICY_BLOCKED", body
    assert "no-admin" in body["error"]
    assert not neighbour.requested("/admin")
    entries = audit(api, policy["id"], body["sessionId"])
    assert [e["decision"] for e in entries if e["ruleId"] == "no-admin"] == ["block"] * 3
    assert all(e["layer"] == "agent" for e in entries)
    assert api.get(f"/policies/{policy['id']}/audit", params={"since": "2999-01-01T00:00:00Z"}).json()["entries"] == []
    assert api.get(f"/policies/{policy['id']}/audit", params={"until": "0.5"}).status_code == 400
    # a deleted policy's trail stays, in the account's trail
    assert api.delete(f"/policies/{policy['id']}").status_code == 200
    assert api.get(f"/policies/{policy['id']}/audit").status_code == 404
    kept = api.get("/policies/audit", params={"policyId": policy["id"], "sessionId": body["sessionId"]}).json()
    assert kept["entries"] == entries


def test_a_blocked_download_is_not_kept_and_the_agent_is_told(api, llm, neighbour):
    policy = create(api, actionRules=[{"id": "no-csv", "category": "file_download", "permission": "block",
                                       "scope": "target", "matchType": "keyword", "match": ".csv"}])
    tag = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}, goal="download"),
                       done("downloaded")])
    body = api.post("/start/run-task", json={"policyId": policy["id"], "taskDetails": f"get {tag}",
                                             "startingPoint": f"{neighbour.url}/download.html"}).json()
    body = poll_until_finished(api, body["sessionId"], body["taskId"])
    assert body["status"] == "completed", body
    assert body["data"]["files"] == []
    told = json.dumps(llm.requests_for(tag.split(":", 1)[1])[1])
    assert "The download of report.csv was stopped and not kept: blocked by policy 'test policy' (rule no-csv" in told
    entries = audit(api, policy["id"], body["sessionId"])
    assert ("file_download", "block", "no-csv") in [(e["category"], e["decision"], e["ruleId"]) for e in entries]
