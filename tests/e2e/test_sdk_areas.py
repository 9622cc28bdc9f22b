"""The SDK's environments, profiles and policies areas and the sync client's events, end to end: real server,
scripted LLM, real Chromium."""
from __future__ import annotations

import io
import json
import tarfile
import threading
from contextlib import closing

import pytest

from openwebrun import AsyncClient, BadRequestError, Client, ConflictError, NotFoundError
from openwebrun.sdk import ActionRule, DomainEntry, DomainRules, SocketUnavailable
from tests.e2e.conftest import act, done, script
from tests.support.archives import archive
from tests.support.servers import API_KEY

STATE = json.dumps({"cookies": [{"name": "login", "value": "grace", "domain": "127.0.0.1", "path": "/", "expires": -1,
                                 "httpOnly": False, "secure": False, "sameSite": "Lax"}], "origins": []}).encode()


def members(packed: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def sdk_server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="1")


@pytest.fixture()
def client(sdk_server):
    with Client(sdk_server.base_url, API_KEY) as c:
        yield c


def test_environment_lifecycle(client, llm, site):
    env = client.environments.create("shop", "logged in to the shop")
    assert env.name == "shop" and env.status == "empty" and env.blob_size == 0 and not env.in_use
    assert env.id in [e.id for e in client.environments.list()]
    assert env.id in [p.id for p in client.profiles.list()]  # one object, two names

    ready = client.environments.upload(env.id, ("state.tar.gz", archive({"state.json": STATE})))
    assert ready.id == env.id and ready.status == "ready" and ready.blob_size > 0 and ready.blob_uploaded_at
    [kept] = client.files.upload(("notes.txt", b"remember the milk"), environment_id=env.id)
    [listed] = client.environments.files(env.id)
    assert (listed.file_id, listed.original_name, listed.size) == (kept.file_id, "notes.txt", 17)

    link = client.environments.download_link(env.id)
    assert link.download_url.startswith("http") and link.expires_at
    packed = members(client.environments.download(env.id))
    assert json.loads(packed["state.json"])["cookies"][0]["value"] == "grace"
    assert packed["files/notes.txt"] == b"remember the milk"

    # a session on it holds it: deleting is refused with the server's code
    tag = script(llm, [done("seen")])
    session = client.sessions.start(f"look {tag}", starting_url=f"{site}/form.html", environment_id=env.id)
    assert session.task is not None and session.task.message == "seen"
    assert next(e for e in client.environments.list() if e.id == env.id).in_use
    with pytest.raises(ConflictError) as busy:
        client.environments.delete(env.id)
    assert busy.value.code == "ENVIRONMENT_IN_USE" and busy.value.status == 409
    client.sessions.terminate(session.session_id)

    client.environments.delete_file(env.id, listed.file_id)
    assert client.environments.files(env.id) == []
    client.profiles.delete(env.id)  # deleted through the older name
    assert env.id not in [e.id for e in client.environments.list()]
    with pytest.raises(NotFoundError) as gone:
        client.environments.delete(env.id)
    assert gone.value.code == "ENVIRONMENT_NOT_FOUND" and gone.value.status == 404
    with pytest.raises(NotFoundError) as gone_profile:
        client.profiles.download_link(env.id)
    assert (gone_profile.value.code, gone_profile.value.message) == ("ENVIRONMENT_NOT_FOUND", "Profile not found")


def test_environment_refusals(client):
    with pytest.raises(BadRequestError) as unnamed:
        client.environments.create()
    assert unnamed.value.code == "VALIDATION_ERROR" and unnamed.value.message == "Environment name is required"
    with pytest.raises(BadRequestError) as long_name:
        client.profiles.create("x" * 101)
    assert long_name.value.code == "VALIDATION_ERROR" and "at most 100" in long_name.value.message
    env = client.profiles.create("profile")
    assert env.name == "profile" and env.id in [e.id for e in client.environments.list()]
    with pytest.raises(BadRequestError) as not_tar:
        client.profiles.upload(env.id, ("state.tar.gz", b"this is not an archive"))
    assert not_tar.value.code == "INVALID_ARCHIVE"
    with pytest.raises(NotFoundError) as unknown:
        client.environments.files("env_unknown")
    assert unknown.value.code == "ENVIRONMENT_NOT_FOUND"
    client.environments.delete(env.id)


def test_policy_crud_templates_and_errors(client):
    policy = client.policies.create(
        "shop", description="no admin pages", llm_role="Stay on the shop.",
        domain_rules=DomainRules(mode="blocklist", entries=[DomainEntry(pattern="*.ads.test", action="block")]),
        action_rules=[ActionRule(category="navigation", permission="block", url_pattern="*/admin/*"),
                      {"category": "Type / Keyboard", "permission": "block", "scope": "Target",
                       "matchType": "Detector", "match": "card_number"}])
    assert policy.status == "active" and policy.llm_role == "Stay on the shop." and policy.default_action == "allow"
    assert policy.domain_rules.entries[0].pattern == "*.ads.test" and policy.domain_rules.entries[0].id == "domain-1"
    assert [(r.id, r.category, r.url_pattern, r.match) for r in policy.action_rules] == [
        ("rule-1", "navigation", "*/admin/*", None), ("rule-2", "type", None, "card_number")]
    assert client.policies.get(policy.id) == policy
    assert policy.id in [p.id for p in client.policies.list()]

    updated = client.policies.update(policy.id, status="draft", default_action="guardrail")
    assert (updated.status, updated.default_action, updated.name) == ("draft", "guardrail", "shop")
    assert updated.action_rules == policy.action_rules and updated.llm_role == policy.llm_role  # the rest is kept
    replaced = client.policies.replace(policy.id, "renamed")
    assert replaced.name == "renamed" and replaced.action_rules == [] and replaced.status == "active"

    templates = client.policies.templates()
    assert set(templates) == {"research_only", "financial_compliance", "healthcare", "strict_lockdown"}
    from_template = client.policies.create(**templates["research_only"])
    assert from_template.status == "draft" and len(from_template.action_rules) == len(
        templates["research_only"]["actionRules"])

    with pytest.raises(BadRequestError) as bad_regex:
        client.policies.create("bad", action_rules=[ActionRule(category="type", permission="block",
                                                               match_type="regex", match="(oops")])
    assert bad_regex.value.code == "INVALID_POLICY" and "invalid regex '(oops'" in bad_regex.value.message
    with pytest.raises(BadRequestError) as unnamed:
        client.policies.create(description="no name")
    assert unnamed.value.code == "VALIDATION_ERROR" and "name" in unnamed.value.message
    with pytest.raises(BadRequestError) as bad_time:
        client.policies.audit(policy.id, since="yesterday")
    assert bad_time.value.code == "VALIDATION_ERROR"

    for made in (policy, from_template):
        client.policies.delete(made.id)
    with pytest.raises(NotFoundError) as gone:
        client.policies.get(policy.id)
    assert gone.value.code == "POLICY_NOT_FOUND" and gone.value.status == 404
    with pytest.raises(NotFoundError):
        client.policies.update(policy.id, status="active")
    with pytest.raises(NotFoundError):
        client.policies.delete(policy.id)
    assert client.policies.audit(policy.id) == []  # the trail of a deleted policy stays readable


def test_policy_blocks_a_page_and_its_audit_trail(client, llm, site):
    policy = client.policies.create("no lists", action_rules=[
        ActionRule(id="no-list", category="navigation", permission="block", url_pattern="*/list.html*")])
    tag = script(llm, [act({"action": "navigate", "url": f"{site}/list.html"}, goal="open the list"), done("stayed")])
    task = client.run_task(f"browse {tag}", starting_url=f"{site}/form.html", policy_id=policy.id)
    assert task.status == "completed" and task.message == "stayed"
    [step, _] = client.tasks.steps(task.session_id, task.task_id or "")
    assert "blocked by policy 'no lists' (rule no-list" in (step.error or ""), step
    entries = client.policies.audit(policy.id, session_id=task.session_id)
    blocked = [e for e in entries if e.decision == "block"]
    assert [(e.rule_id, e.category, e.task_id) for e in blocked] == [("no-list", "navigation", task.task_id)], entries
    assert [e.id for e in client.policies.audit(session_id=task.session_id)] == [e.id for e in entries]
    assert client.policies.audit(policy.id, since="2999-01-01T00:00:00Z") == []
    client.policies.delete(policy.id)
    assert client.policies.audit(policy.id, session_id=task.session_id) == entries  # the trail outlives the policy


async def test_async_environments_and_policies(sdk_server):
    async with AsyncClient(sdk_server.base_url, API_KEY) as client:
        env = await client.environments.create("async")
        assert env.id in [p.id for p in await client.profiles.list()]
        ready = await client.profiles.upload(env.id, ("p.tgz", archive({"state.json": STATE})))
        assert ready.status == "ready"
        assert "state.json" in members(await client.profiles.download(env.id))
        assert await client.environments.files(env.id) == []
        await client.environments.delete(env.id)
        with pytest.raises(NotFoundError) as gone:
            await client.profiles.delete(env.id)
        assert gone.value.code == "ENVIRONMENT_NOT_FOUND" and gone.value.message == "Profile not found"

        policy = await client.policies.create("async", default_action="block")
        assert (await client.policies.get(policy.id)).default_action == "block"
        assert policy.id in [p.id for p in await client.policies.list()]
        assert (await client.policies.update(policy.id, name="renamed")).default_action == "block"
        assert (await client.policies.replace(policy.id, "again")).default_action == "allow"
        assert "strict_lockdown" in await client.policies.templates()
        assert await client.policies.audit(policy.id) == []
        await client.policies.delete(policy.id)
        with pytest.raises(NotFoundError) as missing:
            await client.policies.get(policy.id)
        assert missing.value.code == "POLICY_NOT_FOUND"


def socket_threads(session_id: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"openwebrun-socket-{session_id}"]


def test_sync_socket_follows_a_session_to_its_end(client, llm, site):
    ask = act({"action": "ask_human", "question": "Which book?", "reason": "choice"})
    tag = script(llm, [act({"action": "wait", "seconds": 0}, goal="look"), ask, done("picked")])
    sid = client.sessions.start(expires_in=60_000).session_id
    seen: list[str] = []
    with client.socket(sid) as socket:  # connected before the task starts: every event arrives
        assert socket_threads(sid)
        task = client.sessions.new_task(sid, f"pick {tag}", starting_url=f"{site}/form.html", wait=False)
        for event in socket.events(timeout=60):  # ends with the session
            seen.append(event.type)
            if event.type == "guardrail_trigger":
                assert event.task_id == task.task_id and event.data["value"] == "Which book?"
                client.sessions.answer(sid, "Emma")
            if event.type == "task_completed":
                assert event.data["message"] == "picked"
                client.sessions.terminate(sid)
        assert socket.next(1) is None  # the session ended: nothing more
    assert not socket_threads(sid)  # the socket's thread is gone
    assert socket.next() is None  # closed: stays closed
    assert seen[-1] == "end_session" and seen.count("task_completed") == 1 and seen.count("guardrail_trigger") == 1
    assert "agent" in seen and "action" in seen, seen


def test_sync_events_time_out_and_close(client):
    sid = client.sessions.start().session_id  # no task: nothing happens on it
    events = client.events(sid, timeout=0.5)
    with pytest.raises(TimeoutError):
        next(events)
    assert not socket_threads(sid)
    client.sessions.terminate(sid)
    with pytest.raises(SocketUnavailable) as refused:  # an ended session has no socket, and no task to poll
        next(client.events(sid))
    assert refused.value.code == "SOCKET_UNAVAILABLE"
    assert not socket_threads(sid)


def test_sync_polled_events(sdk_server, llm, site):
    tag = script(llm, [act({"action": "wait", "seconds": 0}, goal="look"), done("seen")])
    with Client(sdk_server.base_url, API_KEY, use_socket=False) as client:
        task = client.tasks.run(f"look {tag}", starting_url=f"{site}/form.html", wait=False)
        events = list(client.events(task.session_id, task.task_id, timeout=60))
        assert events[-1].type == "task_completed" and events[-1].data["message"] == "seen"
        steps = [e.data["step"] for e in events if e.type == "agent"]
        assert steps in ([1], [1, 2]), steps  # the last step's record may land just after the task's end
        with closing(client.events(task.session_id, task.task_id)) as again:  # a finished task: its end at once
            assert [e.type for e in again][-1] == "task_completed"
        with pytest.raises(SocketUnavailable):
            next(client.events(task.session_id))  # polling needs a task
