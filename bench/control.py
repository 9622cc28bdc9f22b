"""Steering latency and the cost of the command door and event hub.

Measured in this run on this machine, against `openwebrun serve` in a subprocess (real HTTP,
real Chromium, the scripted LLM on loopback answering at once):
- pause -> the agent's last action: a task clicks a button that pings the fixture site each step;
  `pause` is sent at a random moment; the figure is the time from sending pause to the last ping
  before the agent holds (0 when no action ran after the pause);
- resume -> the next action: from sending `resume` to the next ping;
- takeover CLICK over HTTP -> the page's click event (reported by the page to the fixture site);
- a step -> its socket event at a python-socketio client (the event's server time to arrival);
and in-process, the agent's step overhead (observe + act, the LLM's time excluded) without any
control (the agent alone, as before the door existed) beside the same loop run through a
TaskControl whose events go to a hub with three subscribers, one of which never reads.

Usage: python bench/control.py [--rounds 20] [--steps 40]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from openwebrun.agent.browser_env import BrowserEnv  # noqa: E402
from openwebrun.agent.control import AutonomousControl  # noqa: E402
from openwebrun.agent.llm.factory import build_llm  # noqa: E402
from openwebrun.agent.loop import Agent  # noqa: E402
from openwebrun.browser.launch import find_chromium  # noqa: E402
from openwebrun.browser.pool import BrowserPool  # noqa: E402
from openwebrun.browser.reach import Reach  # noqa: E402
from openwebrun.domain.models import TaskSpec, Usage  # noqa: E402
from openwebrun.runtime.control import TaskControl  # noqa: E402
from openwebrun.runtime.events import EventHub  # noqa: E402
from openwebrun.settings import Settings  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support.recording_site import RecordingSite  # noqa: E402
from tests.support.servers import ServerProcess  # noqa: E402

SITE = ROOT / "tests" / "e2e" / "site"
PING = {"thinking": "ping", "next_goal": "ping", "actions": [{"action": "click", "index": {"$find": "Ping"}}]}


def show(name: str, values: list[float], unit: str = "ms", target: str = "") -> None:
    if not values:
        print(f"{name:<44} no samples")
        return
    print(f"{name:<44} p50 {pct(values, 50):8.1f} {unit}   p95 {pct(values, 95):8.1f} {unit}   "
          f"n={len(values)}  {target}")


# --- over HTTP --------------------------------------------------------------------------------
def message(client, session_id: str, body: dict) -> None:
    response = client.post("/start/send-message", json={"sessionId": session_id, "message": body})
    response.raise_for_status()


def pings(site: RecordingSite) -> list[float]:
    return [h.at for h in site.requested("/ping")]


def pause_resume(server: ServerProcess, llm: ScriptedLLM, site: RecordingSite, rounds: int) -> tuple[list[float], list[float]]:
    tag = llm.script("pauses", [PING])  # the last step repeats: the task pings until its tokens run out
    paused_ms: list[float] = []
    resumed_ms: list[float] = []
    task = {"taskDetails": f"ping until the token limit {tag}", "startingPoint": f"{site.url}/ping.html"}
    with server.client() as client:
        sid = client.post("/start/start-session", json={}).json()["sessionId"]
        tid = ""
        while len(resumed_ms) < rounds:
            if not tid or client.get(f"/task/{sid}/{tid}").json()["status"] != "running":
                tid = client.post("/start/send-message", json={"sessionId": sid, "message": {
                    "actionType": "newTask", **task}}).json()["taskId"]
            seen = len(pings(site))
            site.wait_for(lambda h, n=seen: len(pings(site)) > n + 1)
            time.sleep(random.uniform(0, 0.3))  # a random moment inside a step
            sent = time.monotonic()
            if not steer(client, sid, "pause"):
                continue  # the task ran out of tokens just now: no sample
            time.sleep(1.5)  # long enough for any action in hand to end
            after = [t for t in pings(site) if t > sent]
            sent_resume = time.monotonic()
            if not steer(client, sid, "resume"):
                continue
            try:
                hit = site.wait_for(lambda h, t=sent_resume: h.path.startswith("/ping?") and h.at >= t, timeout=10)
            except AssertionError:
                continue  # the held step was the task's last
            paused_ms.append((max(after) - sent) * 1000 if after else 0.0)
            resumed_ms.append((hit.at - sent_resume) * 1000)
        steer(client, sid, "terminate")
    return paused_ms, resumed_ms


def steer(client, session_id: str, new_state: str) -> bool:
    """Send a state message; False when the session has no running task (409)."""
    response = client.post("/start/send-message", json={"sessionId": session_id, "message": {
        "actionType": "state", "newState": new_state}})
    if response.status_code == 409:
        return False
    response.raise_for_status()
    return True


def takeover_clicks(server: ServerProcess, llm: ScriptedLLM, site: RecordingSite, rounds: int) -> tuple[list[float], list[float]]:
    tag = llm.script("open", [{"thinking": "", "next_goal": "", "actions": [{"action": "done", "success": True,
                                                                         "result": "open"}]}])
    click_ms, http_ms = [], []
    with server.client() as client:
        start = client.post("/start/start-session", json={"initialTask": {
            "taskDetails": f"open {tag}", "startingPoint": f"{site.url}/control.html"}}).json()
        sid = start["sessionId"]
        while client.get(f"/task/{sid}/{start['taskId']}").json()["status"] != "completed":
            time.sleep(0.05)
        message(client, sid, {"actionType": "interaction", "action": {"type": "takeOverControl"}})
        for i in range(rounds + 3):
            x = 520 + i % 250
            sent = time.monotonic()
            message(client, sid, {"actionType": "interaction", "action": {"type": "CLICK", "x": x, "y": 155 + 160}})
            answered = time.monotonic()
            hit = site.wait_for(lambda h, x=x: h.path == "/report" and h.report.get("x") == x)
            if i >= 3:
                click_ms.append((hit.at - sent) * 1000)
                http_ms.append((answered - sent) * 1000)
        message(client, sid, {"actionType": "state", "newState": "terminate"})
    return click_ms, http_ms


async def socket_latency(server: ServerProcess, llm: ScriptedLLM, site: RecordingSite, steps: int) -> list[float]:
    """Server event time -> arrival at a python-socketio client, for every agent and action event."""
    import httpx
    import socketio

    tag = llm.script("socket", [PING] * steps + [
        {"thinking": "", "next_goal": "", "actions": [{"action": "done", "success": True, "result": "ok"}]}])
    delays: list[float] = []
    finished = asyncio.Event()
    sio = socketio.AsyncClient(reconnection=False)

    @sio.on("message")
    async def on_message(payload: dict) -> None:
        arrived = time.time() * 1000
        if payload.get("type") in ("agent", "action") and "timestamp" in payload:
            delays.append(arrived - payload["timestamp"])
        if payload.get("type") in ("task_completed", "error"):
            finished.set()

    headers = {"Authorization": f"Bearer {server.env['OPENWEBRUN_API_KEY']}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=60) as client:
        sid = (await client.post("/start/start-session", json={})).json()["sessionId"]
        await sio.connect(server.base_url, auth={"sessionId": sid}, transports=["websocket"])
        await client.post("/start/send-message", json={"sessionId": sid, "message": {
            "actionType": "newTask", "taskDetails": f"ping {tag}", "startingPoint": f"{site.url}/ping.html"}})
        await asyncio.wait_for(finished.wait(), 120)
        await sio.disconnect()
        await client.post("/start/send-message", json={"sessionId": sid, "message": {
            "actionType": "state", "newState": "terminate"}})
    return delays


# --- in-process: step overhead --------------------------------------------------------------
class TimedLLM:
    """Counts the time spent waiting for the model, so that it can be taken out."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.model = inner.model
        self.seconds = 0.0

    async def decide(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await self.inner.decide(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began


async def drain(subscription) -> None:
    async for _ in subscription:
        pass


async def one_run(pool: BrowserPool, llm_server: ScriptedLLM, site_url: str, steps: int, steered: bool, n: int) -> float:
    tag = llm_server.script(f"overhead{n}", [PING] * steps + [
        {"thinking": "", "next_goal": "", "actions": [{"action": "done", "success": True, "result": "ok"}]}])
    settings = Settings(model="scripted-model", openai_base_url=llm_server.base_url, openai_api_key="x",
                        llm_max_retries=0)
    timed = TimedLLM(build_llm(settings))
    context = await pool.new_context()
    hub = EventHub()
    readers = []
    with tempfile.TemporaryDirectory() as downloads:
        env = BrowserEnv(context, downloads_dir=Path(downloads), reach=pool.reach)
        if steered:
            control: Any = TaskControl("s", "t", publish=hub.publish, human_timeout_s=600)
            readers = [asyncio.create_task(drain(hub.subscribe("s"))), asyncio.create_task(drain(hub.subscribe(None)))]
            hub.subscribe("s", maxsize=100)  # never read
        else:
            control = AutonomousControl()
        agent = Agent(timed, prices={}, max_steps=steps + 2)
        spec = TaskSpec(task_details=f"ping {tag}", starting_point=f"{site_url}/ping.html")
        began = time.perf_counter()
        await agent.run(spec, env, Usage(), control)
        total = time.perf_counter() - began
        env.close()
    for reader in readers:
        reader.cancel()
    await pool.release(context)
    return (total - timed.seconds) / (steps + 1) * 1000


async def step_overhead(llm_server: ScriptedLLM, site_url: str, rounds: int, steps: int) -> tuple[list[float], list[float]]:
    pool = BrowserPool(find_chromium(), headless=True, reach=Reach(allow_private=True))  # the site is on loopback
    await pool.start(warm=False)
    plain, steered = [], []
    try:
        await one_run(pool, llm_server, site_url, 3, False, -1)  # warm-up
        for i in range(rounds):
            for kind in random.sample([False, True], 2):  # alternate, in random order
                (steered if kind else plain).append(await one_run(pool, llm_server, site_url, steps, kind, 2 * i + kind))
    finally:
        await pool.close()
    return plain, steered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    llm = ScriptedLLM().start()
    site = RecordingSite(SITE).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = ServerProcess(Path(tmp), {"OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm.base_url,
                                               "OPENAI_API_KEY": "x", "OPENWEBRUN_LLM_MAX_RETRIES": "0",
                                               "OPENWEBRUN_WAIT_WINDOW_S": "0", "OPENWEBRUN_MAX_STEPS": "1000",
                                               "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true"}).start()
            try:
                paused, resumed = pause_resume(server, llm, site, args.rounds)
                clicks, http = takeover_clicks(server, llm, site, args.rounds * 2)
                events = asyncio.run(socket_latency(server, llm, site, args.steps))
            finally:
                server.stop()
        plain, steered = asyncio.run(step_overhead(llm, site.url, max(3, args.rounds // 4), args.steps))
    finally:
        site.stop()
        llm.stop()
    print(f"openwebrun control benchmark ({args.rounds} rounds)\n")
    show("pause -> agent's last action", paused, target="target: p95 < 1000 ms (one short action)")
    show("resume -> next action", resumed)
    show("takeover CLICK over HTTP -> page click", clicks, target="target: p50 < 50 ms")
    show("  (the HTTP call's own round trip)", http)
    show("a step's event -> socket client", events, target="target: p50 < 20 ms")
    show("step overhead, agent alone", plain, "ms/step")
    show("step overhead, door + hub (3 subscribers)", steered, "ms/step",
         f"difference of medians {statistics.median(steered) - statistics.median(plain):+.1f} ms/step")


if __name__ == "__main__":
    main()
