"""Cluster mode across a network: a Ray head, two `openwebrun worker`s (two browser slots each) and two
`openwebrun serve` API processes sharing PostgreSQL and Redis, each node in a network namespace of its
own on a bridge (on loopback where namespaces cannot be made: not root). PostgreSQL, Redis and the
scripted LLM stay on this machine's loopback and are forwarded to the bridge's address; the fixture
site listens there. Requests alternate between the API processes as a load balancer would send them.
One cluster for the module: Ray starts slowly.
"""
from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx
import pytest
import redis as redis_client

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, send_task, terminate, wait_until
from tests.e2e.test_control import interact, message, state
from tests.support import netns
from tests.support.cluster import PG_PORT, REDIS_PORT, REDIS_URL, START_TIMEOUT_S, LocalCluster, kill_tree
from tests.support.forward import forwarded
from tests.support.live_view import FrameSocket, WhepClient
from tests.support.recording_site import RecordingSite
from tests.support.socket_client import SessionSocket

SLOTS = 2
ROLES = ("head", "worker-1", "worker-2", "api-1", "api-2")


@pytest.fixture(scope="module")
def network(llm):
    """A namespace per node on a bridge, with the machine's services forwarded to the bridge (None: loopback)."""
    if netns.available() is not None:
        yield None
        return
    llm_port = urlsplit(llm.base_url).port
    assert llm_port is not None
    with netns.network(ROLES) as net, forwarded(net.host_address, [PG_PORT, llm_port]):
        yield net


@pytest.fixture(scope="module")
def redis_link(network):
    """Redis as the nodes reach it: through a forwarded port the test can cut (an outage) and restore."""
    with forwarded(network.host_address if network else "127.0.0.1", []) as forwarder:
        port = forwarder.add(REDIS_PORT, REDIS_PORT if network else 0)
        yield forwarder, port


@pytest.fixture(scope="module")
def rsite(network):
    """The fixture site, on the bridge's address so that the workers' browsers reach it."""
    site = RecordingSite(SITE, host=network.host_address if network else "127.0.0.1").start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def cluster(llm, network, redis_link, tmp_path_factory):
    llm_url = llm.base_url.replace("127.0.0.1", network.host_address) if network else llm.base_url
    redis = urlsplit(REDIS_URL)._replace(netloc=f"{network.host_address if network else '127.0.0.1'}:{redis_link[1]}")
    c = LocalCluster(tmp_path_factory.mktemp("cluster"), {
        "OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "test",
        "OPENWEBRUN_LLM_MAX_RETRIES": "0", "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true",
        "OPENWEBRUN_WAIT_WINDOW_S": "0", "OPENWEBRUN_GUARDRAIL_TIMEOUT_S": "60"}, network, redis_url=redis.geturl())
    try:
        c.start()
        workers = [c.add_worker(SLOTS), c.add_worker(SLOTS)]
        for worker in workers:
            worker.wait_ready()
        c.add_api()
        c.add_api()
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def apis(cluster):
    with cluster.apis[0].client() as one, cluster.apis[1].client() as two:
        yield one, two


def health(client: httpx.Client) -> dict:
    body = client.get("/start/health").json()
    assert body["success"] is True, body
    return body


def all_free(client: httpx.Client, count: int) -> bool:
    return health(client)["instanceCount"] == count


def test_sessions_land_on_both_workers_and_a_full_cluster_answers_503(apis):
    one, two = apis
    assert [w["freeSlots"] for w in health(one)["workers"]] == [SLOTS, SLOTS]
    sessions = []
    for i in range(2 * SLOTS):
        started = (one, two)[i % 2].post("/start/start-session", json={})
        assert started.status_code == 200, started.text
        sessions.append(started.json()["sessionId"])
    workers = health(two)["workers"]
    assert len(workers) == 2 and [w["freeSlots"] for w in workers] == [0, 0], workers  # both workers hold sessions
    assert health(one)["instancesAvailable"] is False

    full = one.post("/start/start-session", json={})
    assert full.status_code == 503 and full.json()["code"] == "NO_AVAILABLE_INSTANCES", full.text

    for i, sid in enumerate(sessions):
        assert terminate((two, one)[i % 2], sid).status_code == 200  # through the API process that did not start it
    wait_until(lambda: all_free(one, 2 * SLOTS), timeout=30)  # every browser slot is Ray's again


def test_a_task_started_on_one_api_process_is_steered_through_the_other(apis, llm, rsite):
    one, two = apis
    held = f"cluster-{time.monotonic_ns()}"
    tag = script(llm, [
        {"gate": held, **act({"action": "navigate", "url": f"{rsite.url}/list.html"})},
        act({"action": "ask_human", "question": "What is the one-time code?", "reason": "code"}),
        done("logged in"),
    ])
    gate = llm.gate(held)
    sid = one.post("/start/start-session", json={}).json()["sessionId"]
    with SessionSocket(str(two.base_url).rstrip("/"), sid) as sock:  # the socket is on the other process
        started = send_task(one, sid, f"log in {tag}", startingPoint=f"{rsite.url}/control.html")
        assert started.status_code == 200, started.text
        tid = started.json()["taskId"]
        gate.wait_arrived()

        polled = two.get(f"/task/{sid}/{tid}").json()
        assert polled["status"] == "running" and polled["pending"] is True, polled
        assert state(two, sid, "pause").status_code == 200
        assert state(two, sid, "resume").status_code == 200
        assert interact(two, sid, type="takeOverControl").status_code == 200
        gate.release()  # the decision made before the takeover waits for the person
        assert interact(two, sid, type="CLICK", x=150, y=215).status_code == 200
        assert rsite.wait_report("click", target="code")["target"] == "code"  # the click reached the worker's browser
        assert interact(two, sid, type="releaseControl").status_code == 200

        asked = sock.wait_for("guardrail_trigger")
        assert asked["data"]["value"] == "What is the one-time code?"
        assert two.get(f"/task/{sid}/{tid}").json()["type"] == "guardrail_trigger"
        answered = message(two, sid, {"actionType": "guardrail", "taskDetails": "493817", "newState": "resume"})
        assert answered.json() == {"success": True, "message": "Message sent successfully"}, answered.text

        body = poll_until_finished(one, sid, tid)
        assert body["status"] == "completed" and body["data"]["message"] == "logged in", body
        assert "The person answered: 493817" in json.dumps(llm.requests_for(tag.split(":")[1]))  # the answer reached the agent
        ended = sock.wait_for(lambda p: p.get("type") in ("task_completed", "error") and p.get("taskId") == tid)
        assert ended["type"] == "task_completed", ended
        steps = two.get(f"/task/{sid}/{tid}/steps").json()["steps"]
        assert len(steps) >= 2, steps  # recorded by the worker, read through the other API process
    assert terminate(two, sid).status_code == 200


def test_the_live_view_frames_come_from_the_worker_through_either_api_process(apis):
    one, two = apis
    body = one.post("/start/start-session", json={}).json()
    url = body["streaming"]["webViewURL"].replace(str(one.base_url).rstrip("/"), str(two.base_url).rstrip("/"))
    with FrameSocket(url) as viewer:  # the viewer is on the API process that did not start the session
        assert viewer.message("hello")["state"] == "idle"
        assert viewer.next_frame().size == (1024, 600)
        wait_until(lambda: health(one)["liveView"]["screencasts"] == 1, timeout=15)
    wait_until(lambda: health(one)["liveView"]["screencasts"] == 0, timeout=15)  # the worker stopped watching
    assert terminate(two, body["sessionId"]).status_code == 200


async def test_a_whep_viewer_gets_video_from_the_worker_through_the_other_api_process(apis, llm, rsite):
    one, two = apis
    held = f"whep-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **done("watched")}])  # the agent waits on a page that keeps painting
    body = (await asyncio.to_thread(one.post, "/start/start-session", json={"initialTask": {
        "taskDetails": f"watch {tag}", "startingPoint": f"{rsite.url}/live_colour.html"}})).json()
    sid = body["sessionId"]
    whep_url = body["streaming"]["webRTCURL"].replace(str(one.base_url).rstrip("/"), str(two.base_url).rstrip("/"))
    client = WhepClient(whep_url)  # the API process that did not start the session relays the SDP only
    try:
        bad = await asyncio.to_thread(httpx.post, whep_url, content="v=0", headers={"Content-Type": "application/sdp"})
        assert (bad.status_code, bad.json()["code"]) == (400, "BAD_OFFER"), bad.text  # the worker's refusal, whole
        assert await client.connect() == 201, client.answer_status
        assert client.location is not None and client.location.startswith(whep_url + "/")
        assert client.answer_headers is not None
        assert client.answer_headers["content-type"].startswith("application/sdp")
        assert (await client.frame()).size == (1024, 600)  # media straight from the worker
        assert await client.wait_state("connected") == "connected"
        counts = (await asyncio.to_thread(health, one))["liveView"]
        assert counts["whepViewers"] == 1 and counts["encoders"] == 1, counts
        assert await client.delete() == 200
        assert await client.delete() == 404  # ended on the worker
        await asyncio.to_thread(wait_until, lambda: health(two)["liveView"]["whepViewers"] == 0, 15)
        await asyncio.to_thread(wait_until, lambda: health(two)["liveView"]["encoders"] == 0, 15)
    finally:
        await client.close()
        llm.gate(held).release()
        assert (await asyncio.to_thread(terminate, two, sid)).status_code == 200


def subscribers(cluster, channel: str) -> int:
    client = redis_client.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        return dict(client.pubsub_numsub(f"{cluster.name}:{channel}")).get(f"{cluster.name}:{channel}".encode(), 0)
    finally:
        client.close()


def test_a_redis_outage_costs_live_events_only(cluster, apis, llm, rsite, redis_link):
    one, two = apis
    forwarder, port = redis_link
    wait_until(lambda: all_free(one, 2 * SLOTS), timeout=30)
    held = f"outage-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **act({"action": "navigate", "url": f"{rsite.url}/list.html"})},
                       done("read through the outage")])
    gate = llm.gate(held)
    sid = one.post("/start/start-session", json={}).json()["sessionId"]
    with SessionSocket(str(two.base_url).rstrip("/"), sid) as sock:
        tid = send_task(one, sid, f"read {tag}", startingPoint=f"{rsite.url}/control.html").json()["taskId"]
        gate.wait_arrived()
        listening = {channel: subscribers(cluster, channel) for channel in ("events", "socketio")}
        assert listening["events"] == 2 and listening["socketio"] >= 1, listening  # API processes with sockets
        forwarder.cut(port)
        try:
            # The way to a session is in PostgreSQL: the other API process still steers it.
            assert state(two, sid, "pause").status_code == 200
            assert state(two, sid, "resume").status_code == 200
            gate.release()
            body = poll_until_finished(two, sid, tid)
            assert body["status"] == "completed" and body["data"]["message"] == "read through the outage", body
            assert len(two.get(f"/task/{sid}/{tid}/steps").json()["steps"]) >= 2  # recorded by the worker
            other = two.post("/start/start-session", json={})
            assert other.status_code == 200, other.text
            assert terminate(one, other.json()["sessionId"]).status_code == 200
        finally:
            forwarder.restore(port)
        # Live events come back once every API process listens again (python-socketio retries with a back-off).
        wait_until(lambda: {c: subscribers(cluster, c) for c in listening} == listening, timeout=90)
        again = script(llm, [done("after the outage")])
        later = send_task(one, sid, f"again {again}").json()["taskId"]
        assert sock.wait_for(lambda p: p.get("type") == "task_completed" and p.get("taskId") == later)
        # (The outage's own events are lost, or published late if the worker's publisher was behind when the link returned.)
    assert terminate(two, sid).status_code == 200
    wait_until(lambda: all_free(one, 2 * SLOTS), timeout=30)  # no browser slot was lost on the way


def test_a_lost_worker_ends_its_sessions_and_the_cluster_goes_on(cluster, apis, llm, rsite):
    one, two = apis
    wait_until(lambda: all_free(one, 2 * SLOTS), timeout=30)
    held = f"lost-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **act({"action": "wait", "seconds": 1})}])
    gate = llm.gate(held)
    running = one.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"long {tag}", "startingPoint": f"{rsite.url}/list.html"}}).json()
    sid, tid = running["sessionId"], running["taskId"]
    gate.wait_arrived()
    others = [two.post("/start/start-session", json={}).json()["sessionId"] for _ in range(2 * SLOTS - 1)]

    victim = cluster.worker_holding(sid)
    with SessionSocket(str(two.base_url).rstrip("/"), sid) as sock:
        kill_tree(victim.proc)
        ended = sock.wait_for("end_session", event="end_session", timeout=60)
        assert ended["reason"] == "instance_lost", ended
    body = two.get(f"/task/{sid}/{tid}").json()
    assert body["status"] == "failed" and body["code"] == "BROWSER_CRASHED", body
    gate.release()

    codes = {s: state(two, s, "pause").json()["code"] for s in others}
    survivors = [s for s, code in codes.items() if code == "NO_RUNNING_TASK"]  # the worker's own refusal, relayed
    assert len(survivors) == SLOTS and sorted(codes.values()).count("SESSION_NOT_FOUND") == SLOTS - 1, codes
    wait_until(lambda: [w["freeSlots"] for w in health(one)["workers"]] == [0], timeout=30)
    for s in survivors:
        terminate(one, s)
    wait_until(lambda: [w["freeSlots"] for w in health(one)["workers"]] == [SLOTS], timeout=30)
    fresh = one.post("/start/start-session", json={})
    assert fresh.status_code == 200, fresh.text  # new sessions go to the live worker
    assert terminate(two, fresh.json()["sessionId"]).status_code == 200


def test_an_api_process_that_is_killed_loses_nothing(cluster, apis, llm, rsite):
    one, two = apis
    held = f"api-killed-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **act({"action": "navigate", "url": f"{rsite.url}/list.html"})},
                       done("outlived its API process")])
    gate = llm.gate(held)
    body = one.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"read {tag}", "startingPoint": f"{rsite.url}/control.html"}}).json()
    sid, tid = body["sessionId"], body["taskId"]
    gate.wait_arrived()
    first = cluster.apis[0]
    kill_tree(first.proc)  # the process that started the session and its task, without a chance to clean up
    with SessionSocket(str(two.base_url).rstrip("/"), sid) as sock:
        assert state(two, sid, "pause").status_code == 200
        assert state(two, sid, "resume").status_code == 200
        gate.release()
        finished = sock.wait_for(lambda p: p.get("type") in ("task_completed", "error") and p.get("taskId") == tid)
        assert finished["type"] == "task_completed", finished
    first.start(timeout=START_TIMEOUT_S)  # restarted: it finds the session where it was
    with first.client() as restarted:
        polled = restarted.get(f"/task/{sid}/{tid}").json()
        assert polled["status"] == "completed" and polled["data"]["message"] == "outlived its API process", polled
        again = script(llm, [done("again")])
        later = send_task(restarted, sid, f"again {again}")
        assert later.status_code == 200, later.text
        assert poll_until_finished(restarted, sid, later.json()["taskId"])["status"] == "completed"
        assert terminate(restarted, sid).status_code == 200
