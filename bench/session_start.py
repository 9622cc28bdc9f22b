"""Start-session latency: openwebrun over HTTP vs Playwright's own new_context() + new_page().

Both are measured in this run on this machine, with a warm Chromium on both sides:
- openwebrun: POST /start/start-session (no task) until the answer (the session is ready: its
  context and page exist), then terminate, N times, against `openwebrun serve` in a subprocess;
- Playwright: new_context(viewport 1024x445) + new_page() on an already launched system Chromium,
  then close, N times.
Prints p50 / p95 of each and the ratio (target: openwebrun p50 within 1.5x of Playwright's).
Two more openwebrun rows start sessions with a proxy (a loopback SOCKS5 proxy with username and
password, tests/support/proxies.py): level "chrome" (the proxy is checked, the context gets its own
lane) and level "system" (also a Chromium process of its own).

Usage: python bench/session_start.py [--runs 40]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_chromium  # noqa: E402
from tests.support.proxies import socks5_proxy  # noqa: E402
from tests.support.servers import ServerProcess  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def playwright_baseline(runs: int) -> list[float]:
    async with async_playwright() as pw:
        browser = await launch_chromium(pw, find_chromium(), headless=True)
        times = []
        for i in range(runs + 3):
            began = time.perf_counter()
            context = await browser.new_context(viewport=dict(VIEWPORT))
            await context.new_page()
            elapsed = time.perf_counter() - began
            await context.close()
            if i >= 3:  # warm-up
                times.append(elapsed * 1000)
        await browser.close()
    return times


def openwebrun_start(runs: int, bodies: dict[str, dict]) -> dict[str, list[float]]:
    """Start-session latency per kind of body, each measured against the same server."""
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), {"OPENWEBRUN_MODEL": "", "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true"}).start()
        try:
            return {name: _starts(server, runs, body) for name, body in bodies.items()}
        finally:
            server.stop()


def _starts(server: ServerProcess, runs: int, body: dict) -> list[float]:
    times = []
    with server.client() as client:
        for i in range(runs + 3):
            began = time.perf_counter()
            response = client.post("/start/start-session", json=body)
            elapsed = time.perf_counter() - began
            response.raise_for_status()
            session_id = response.json()["sessionId"]
            client.post("/start/send-message", json={
                "sessionId": session_id, "message": {"actionType": "state", "newState": "terminate"}})
            if i >= 3:
                times.append(elapsed * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with socks5_proxy("bench", "bench-password") as (port, _log):
        proxy = {"source": "custom", "type": "socks", "host": "127.0.0.1", "port": str(port),
                 "username": "bench", "password": "bench-password"}
        measured = openwebrun_start(args.runs, {
            "openwebrun start-session (HTTP)": {},
            "  with a SOCKS5 proxy (chrome)": {"proxy": proxy},
            "  with a SOCKS5 proxy (system)": {"proxy": {**proxy, "level": "system"}}})
    ours = measured["openwebrun start-session (HTTP)"]
    theirs = asyncio.run(playwright_baseline(args.runs))
    rows = [*measured.items(), ("playwright new_context+new_page", theirs)]
    print(f"{'what':36} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}   runs={args.runs}")
    for name, values in rows:
        print(f"{name:36} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} {statistics.mean(values):8.1f}")
    ratio50 = percentile(ours, 50) / percentile(theirs, 50)
    ratio95 = percentile(ours, 95) / percentile(theirs, 95)
    print(f"ratio openwebrun / playwright: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
