"""The cost of the OpenAI-compatible layer and of the rate limiter.

Measured in this run on this machine, against `openwebrun serve` in a subprocess (real Chromium,
the scripted LLM on loopback answering at once with `done`):
- the same one-step task through `POST /start/run-task` and through `POST /v1/chat/completions`
  (non-streamed: total time; streamed: time to the first byte of the answer and total time),
  alternated, `--rounds` each; the overhead is the difference of the medians;
- the rate limiter's cost per counted request, in-process: `limits`' moving window in memory and
  in the machine's Redis (127.0.0.1:6379), beside an empty coroutine call.

Usage: python bench/openai_overhead.py [--rounds 20] [--limiter-only]
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from limits import parse  # noqa: E402

from openwebrun.api.rate_limits import RateLimiter, storage_for  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support.servers import API_KEY, ServerProcess  # noqa: E402

DONE = {"thinking": "", "next_goal": "", "actions": [{"action": "done", "success": True, "result": "ok"}]}


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def run_task(client: httpx.Client, tag: str) -> float:
    started = time.perf_counter()
    body = client.post("/start/run-task", json={"taskDetails": f"go {tag}"}).json()  # no page, as a chat has none
    assert body.get("status") == "completed", body
    return time.perf_counter() - started


def chat(client: httpx.Client, tag: str) -> float:
    started = time.perf_counter()
    body = client.post("/v1/chat/completions", json={"model": "webrun-browser-1",
                                                     "messages": [{"role": "user", "content": f"go {tag}"}]}).json()
    assert body["choices"][0]["message"]["content"] == "ok", body
    return time.perf_counter() - started


def chat_stream(client: httpx.Client, tag: str) -> tuple[float, float]:
    started = time.perf_counter()
    first = None
    with client.stream("POST", "/v1/chat/completions", json={
            "model": "webrun-browser-1", "stream": True,
            "messages": [{"role": "user", "content": f"go {tag}"}]}) as response:
        for line in response.iter_lines():
            if line.startswith("data: {") and first is None:
                first = time.perf_counter() - started
    return first or 0.0, time.perf_counter() - started


async def limiter_cost(rounds: int) -> list[tuple[str, float]]:
    item = parse("1000000/minute")
    rows = []

    async def nothing() -> None:
        return None

    started = time.perf_counter()
    for _ in range(rounds):
        await nothing()
    rows.append(("an empty coroutine call", (time.perf_counter() - started) / rounds))
    with socket.socket() as sock:  # a loopback port nobody listens on: Redis down
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    for name, url in (("limiter, in memory", None), ("limiter, Redis on loopback", "redis://127.0.0.1:6379/0"),
                      ("limiter, Redis down (counts in memory)", dead)):
        limiter = RateLimiter(storage_for(url))
        if url is not None and url != dead and not await limiter.storage.check():
            rows.append((name, float("nan")))
            print(f"{name}: not measured (no Redis at {url})")
            continue
        await limiter.hit(item, "bench", "warm-up")  # with Redis down: the one failed try, then memory
        started = time.perf_counter()
        for i in range(rounds):
            await limiter.hit(item, "bench", f"account-{i % 10}")
        rows.append((name, (time.perf_counter() - started) / rounds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--limiter-only", action="store_true", help="measure the rate limiter alone (no server)")
    args = parser.parse_args()
    if args.limiter_only:
        print_limiter_cost()
        return
    llm = ScriptedLLM().start()
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), {"OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm.base_url,
                                           "OPENAI_API_KEY": "x", "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true",
                                           "OPENWEBRUN_WAIT_WINDOW_S": "60"}).start()
        try:
            times: dict[str, list[float]] = {"run-task": [], "chat": [], "chat stream first byte": [],
                                             "chat stream total": []}
            with httpx.Client(base_url=server.base_url, timeout=120,
                              headers={"Authorization": f"Bearer {API_KEY}"}) as client:
                for i in range(args.rounds + 1):
                    tags = [llm.script(f"r{i}-{k}", [DONE]) for k in range(3)]
                    run = run_task(client, tags[0])
                    plain = chat(client, tags[1])
                    first, total = chat_stream(client, tags[2])
                    if i == 0:
                        continue  # warm-up
                    times["run-task"].append(run)
                    times["chat"].append(plain)
                    times["chat stream first byte"].append(first)
                    times["chat stream total"].append(total)
        finally:
            server.stop()
    llm.stop()
    base = median_ms(times["run-task"])
    print(f"\n{'measure (median of ' + str(args.rounds) + ')':<40} {'ms':>9}  {'vs run-task':>12}  target")
    for name, values in times.items():
        delta = median_ms(values) - base
        print(f"{name:<40} {median_ms(values):>9.1f}  {delta:>+11.1f}  {'overhead under 10 ms' if name != 'run-task' else ''}")
    print_limiter_cost()


def print_limiter_cost() -> None:
    print(f"\n{'rate limiter, per counted request':<40} {'µs':>9}")
    for name, seconds in asyncio.run(limiter_cost(2000)):
        print(f"{name:<40} {seconds * 1e6:>9.1f}")


if __name__ == "__main__":
    main()
