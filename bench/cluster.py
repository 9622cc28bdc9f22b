"""Cluster mode against one process, in the same run on this machine.

Both set-ups are real processes: `openwebrun serve` alone (in-process runtime, SQLite, on loopback),
and a Ray head + one `openwebrun worker` + one `openwebrun serve` in cluster mode (PostgreSQL and
Redis of this machine), each node in a network namespace of its own on a bridge when it can make
them (root), as tests/e2e/test_cluster.py does; the scripted LLM answers at once. Measured over HTTP:
- a command's round trip on a live session (takeOverControl, a CLICK while taken over, releaseControl):
  each command goes API process -> Ray actor call -> session host -> browser and back;
- a step: a task of N steps (a click that changes the page), wall time per step, start call to end;
- a bare Ray actor call (the session host's ping) from a driver: Ray's own share of a command;
- session start (start-session, answered when the browser tab is open), then terminate;
- session start on one worker while it holds k idle sessions, k growing to --hold: where it doubles.
Target (issue): under 5 ms added per command.

Usage: python bench/cluster.py [--rounds 30] [--starts 10] [--steps 10] [--hold 200]
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from openwebrun.cluster import names  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support import netns  # noqa: E402
from tests.support.cluster import PG_PORT, REDIS_PORT, LocalCluster  # noqa: E402
from tests.support.forward import forwarded  # noqa: E402
from tests.support.servers import ServerProcess, static_site  # noqa: E402

SITE = ROOT / "tests" / "e2e" / "site"
STEP = {"thinking": "ping", "next_goal": "ping", "actions": [{"action": "click", "index": {"$find": "Ping"}}]}


def message(client, session_id: str, body: dict) -> None:
    client.post("/start/send-message", json={"sessionId": session_id, "message": body}).raise_for_status()


def commands(server: ServerProcess, site: str, rounds: int) -> list[float]:
    """Milliseconds per command (takeover, click, release) on one live session."""
    times: list[float] = []
    with server.client() as client:
        sid = client.post("/start/start-session", json={}).json()["sessionId"]
        for _ in range(rounds):
            for action in ({"type": "takeOverControl"}, {"type": "CLICK", "x": 500, "y": 400}, {"type": "releaseControl"}):
                started = time.perf_counter()
                message(client, sid, {"actionType": "interaction", "action": action})
                times.append((time.perf_counter() - started) * 1000)
        message(client, sid, {"actionType": "state", "newState": "terminate"})
    return times


def steps(server: ServerProcess, llm: ScriptedLLM, site: str, count: int, name: str) -> float:
    """Milliseconds per step of a task of `count` click steps (start call to its end)."""
    tag = llm.script(name, [STEP] * count + [{"thinking": "done", "next_goal": "done",
                                               "actions": [{"action": "done", "success": True, "result": "ok"}]}])
    with server.client() as client:
        started = time.perf_counter()
        body = client.post("/start/run-task", json={"taskDetails": f"ping {tag}",
                                                     "startingPoint": f"{site}/ping.html"}).json()
        while body.get("status") not in ("completed", "failed"):
            time.sleep(0.05)
            body = client.get(f"/task/{body['sessionId']}/{body['taskId']}").json()
        assert body["status"] == "completed", body
        return (time.perf_counter() - started) * 1000 / (count + 1)


def starts(server: ServerProcess, count: int) -> list[float]:
    times: list[float] = []
    with server.client() as client:
        for _ in range(count):
            started = time.perf_counter()
            sid = client.post("/start/start-session", json={}).json()["sessionId"]
            times.append((time.perf_counter() - started) * 1000)
            message(client, sid, {"actionType": "state", "newState": "terminate"})
    return times


def crowding(server: ServerProcess, hold: int, starts_each: int) -> list[tuple[int, float]]:
    """Session start p50 on one worker while it already holds k idle sessions, for growing k."""
    levels = sorted({0, hold // 8, hold // 4, hold // 2, 3 * hold // 4, hold})
    held: list[str] = []
    figures: list[tuple[int, float]] = []
    with server.client() as client:
        try:
            for level in levels:
                while len(held) < level:
                    started = client.post("/start/start-session", json={})
                    started.raise_for_status()
                    held.append(started.json()["sessionId"])
                figures.append((level, pct(starts(server, starts_each), 50)))
        finally:
            for sid in held:
                message(client, sid, {"actionType": "state", "newState": "terminate"})
    return figures


def actor_floor(cluster: LocalCluster, worker_id: str, calls: int) -> list[float]:
    """Milliseconds per call of the session host's `ping` (nothing to do) from a Ray driver on the API
    process's host: what Ray itself costs a command, below everything openwebrun adds."""
    node_ip = cluster.address("api-1") if cluster.network else ""
    done = subprocess.run(cluster.inside("api-1", [
        sys.executable, str(ROOT / "bench" / "ray_call.py"), cluster.env["OPENWEBRUN_RAY_ADDRESS"], cluster.name,
        names.host_name(worker_id), node_ip, str(calls)]), env=cluster.env, capture_output=True, text=True,
        timeout=300, check=True)
    return [float(line) for line in done.stdout.split()]


def doubled(figures: list[tuple[int, float]]) -> str:
    """The first k from which start stays at twice k = 0 or more (one slow level is noise)."""
    base = figures[0][1]
    level = next((level for i, (level, _) in enumerate(figures) if all(p50 >= 2 * base for _, p50 in figures[i:])),
                 None)
    return str(level) if level is not None else f"more than {figures[-1][0]}"


def row(name: str, single: list[float], cluster: list[float], target: str = "") -> None:
    s, c = pct(single, 50), pct(cluster, 50)
    print(f"{name:<34} single p50 {s:8.1f} ms   cluster p50 {c:8.1f} ms   added {c - s:+7.1f} ms  "
          f"(p95 {pct(single, 95):.1f} / {pct(cluster, 95):.1f})  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--hold", type=int, default=200, help="most idle sessions held while starting more")
    args = parser.parse_args()
    llm = ScriptedLLM().start()
    with contextlib.ExitStack() as stack:
        network = None
        services = "127.0.0.1"
        why = netns.available()
        if why is None:  # each node a host of its own on a bridge, as in tests/e2e/test_cluster.py
            network = stack.enter_context(netns.network(("head", "worker-1", "api-1")))
            services = network.host_address
            stack.enter_context(forwarded(services, [PG_PORT, REDIS_PORT, urlsplit(llm.base_url).port or 80]))
        else:
            print(f"no network namespaces ({why}): the cluster runs on loopback, where Ray's drivers reach "
                  "the head at this machine's own address")
        run(args, llm, network, services, stack)


def run(args: argparse.Namespace, llm: ScriptedLLM, network: netns.Network | None, services: str,
        stack: contextlib.ExitStack) -> None:
    env = {"OPENWEBRUN_MODEL": "scripted-model", "OPENAI_API_KEY": "bench",
           "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true", "OPENWEBRUN_WAIT_WINDOW_S": "0",
           "OPENWEBRUN_STEP_SCREENSHOTS": "off"}
    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="owr-bench-cluster-"))
    site = stack.enter_context(static_site(SITE, host=services))
    single = ServerProcess(Path(tmp) / "single", {**env, "OPENAI_BASE_URL": llm.base_url,
                                                  "OPENWEBRUN_MAX_SESSIONS": str(args.hold + 2)})
    cluster = LocalCluster(Path(tmp) / "cluster",
                           {**env, "OPENAI_BASE_URL": llm.base_url.replace("127.0.0.1", services)}, network)
    try:
        single.start()
        cluster.start()
        cluster.add_worker(args.hold + 2).wait_ready()
        api = cluster.add_api()
        print(f"command round trip over HTTP, {args.rounds} rounds of takeover/click/release; "
              f"session start x{args.starts}; a {args.steps}-step task")
        row("command round trip", commands(single, site, args.rounds), commands(api, site, args.rounds),
            "target: under 5 ms added")
        with api.client() as client:
            worker_id = client.get("/start/health").json()["workers"][0]["id"]
        floor = actor_floor(cluster, worker_id, 3 * args.rounds)
        print(f"{'  of which a bare Ray actor call':<34} p50 {pct(floor, 50):.1f} ms (p95 {pct(floor, 95):.1f}): "
              f"a session host's ping from a driver, the floor under any command")
        row("session start", starts(single, args.starts), starts(api, args.starts))
        row("step (wall time per step)", [steps(single, llm, site, args.steps, "single")],
            [steps(api, llm, site, args.steps, "cluster")])
        alone, spread = crowding(single, args.hold, args.starts), crowding(api, args.hold, args.starts)
        print("session start p50 while the server (one process) or the worker (cluster) holds k idle sessions:")
        for (level, one), (_, many) in zip(alone, spread, strict=True):
            print(f"  k = {level:3d}   single {one:7.1f} ms (x{one / alone[0][1]:.2f})   "
                  f"cluster {many:7.1f} ms (x{many / spread[0][1]:.2f})")
        print(f"sessions before start latency doubles: single {doubled(alone)}, "
              f"cluster (per worker) {doubled(spread)}")
    finally:
        single.stop()
        cluster.close()
        llm.stop()


if __name__ == "__main__":
    main()
