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

Then, sessions on an environment, by the size of its saved state (cookies and localStorage spread
over several origins, uploaded as an archive once): start-session with `environmentId` (the
restore) and the terminate that saves the state back, beside Playwright's own
new_context(storage_state=the same state) + new_page() and storage_state() on the same browser.

Usage: python bench/session_start.py [--runs 40] [--env-runs 10] [--no-environments]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_chromium  # noqa: E402
from openwebrun.services.profile_archive import write_archive  # noqa: E402
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


# (label, origins, localStorage bytes in all, cookies)
STATE_SIZES = [("empty state", 0, 0, 0), ("10 KB, 1 origin", 1, 10_000, 20),
               ("1 MB, 5 origins", 5, 1_000_000, 50), ("5 MB, 10 origins", 10, 5_000_000, 100)]


def make_state(origins: int, local_bytes: int, cookies: int) -> dict[str, Any]:
    """A browser state of about `local_bytes` of localStorage over `origins` origins, and `cookies` cookies."""
    per_origin = local_bytes // origins if origins else 0
    entries = []
    for n in range(origins):
        items = [{"name": f"key-{i}", "value": secrets.token_hex(min(10_000, per_origin - i * 10_000) // 2)}
                 for i in range(max(1, -(-per_origin // 10_000)))]  # random: the archive is as large as the state
        entries.append({"origin": f"https://site-{n}.example", "localStorage": items})
    jar = [{"name": f"c{i}", "value": secrets.token_hex(50), "domain": f"site-{i % max(1, origins)}.example", "path": "/",
            "expires": time.time() + 86_400, "httpOnly": False, "secure": True, "sameSite": "Lax"}
           for i in range(cookies)]
    return {"cookies": jar, "origins": entries}


def archive_of(state: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    write_archive(out, state, [])
    return out.getvalue()


def openwebrun_environments(runs: int) -> list[tuple[str, int, list[float], list[float]]]:
    """Per state size: (label, archive bytes, start-session ms, terminate ms) on one server."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), {"OPENWEBRUN_MODEL": "", "OPENWEBRUN_ENVIRONMENT_RATE_LIMIT": "100000/minute"})
        server.start()
        try:
            with server.client() as client:
                for label, origins, local_bytes, cookies in STATE_SIZES:
                    packed = archive_of(make_state(origins, local_bytes, cookies))
                    env_id = client.post("/environments", json={"name": label}).json()["environment"]["_id"]
                    client.post(f"/environments/{env_id}/upload",
                                files={"file": ("s.tar.gz", packed, "application/gzip")}).raise_for_status()
                    starts, ends = [], []
                    for i in range(runs + 2):
                        began = time.perf_counter()
                        response = client.post("/start/start-session", json={"environmentId": env_id})
                        started = time.perf_counter() - began
                        response.raise_for_status()
                        began = time.perf_counter()
                        client.post("/start/send-message", json={
                            "sessionId": response.json()["sessionId"],
                            "message": {"actionType": "state", "newState": "terminate"}}).raise_for_status()
                        ended = time.perf_counter() - began
                        if i >= 2:
                            starts.append(started * 1000)
                            ends.append(ended * 1000)
                    rows.append((label, len(packed), starts, ends))
        finally:
            server.stop()
    return rows


async def playwright_environments(runs: int) -> list[tuple[list[float], list[float]]]:
    """Per state size: (new_context(storage_state) + new_page ms, storage_state() + close ms)."""
    rows = []
    async with async_playwright() as pw:
        browser = await launch_chromium(pw, find_chromium(), headless=True)
        for _label, origins, local_bytes, cookies in STATE_SIZES:
            state = make_state(origins, local_bytes, cookies)
            starts, ends = [], []
            for i in range(runs + 2):
                began = time.perf_counter()
                context = await browser.new_context(viewport=dict(VIEWPORT), storage_state=state)  # type: ignore[arg-type]
                await context.new_page()
                started = time.perf_counter() - began
                began = time.perf_counter()
                await context.storage_state(indexed_db=True)
                await context.close()
                ended = time.perf_counter() - began
                if i >= 2:
                    starts.append(started * 1000)
                    ends.append(ended * 1000)
            rows.append((starts, ends))
        await browser.close()
    return rows


def print_environments(runs: int) -> None:
    ours = openwebrun_environments(runs)
    theirs = asyncio.run(playwright_environments(runs))
    print(f"\nsessions on an environment (p50 / p95 ms, runs={runs})")
    print(f"{'state':18} {'archive':>9} {'start-session':>15} {'playwright restore':>19} "
          f"{'terminate+save':>15} {'playwright save':>16}")
    for (label, size, starts, ends), (pw_starts, pw_ends) in zip(ours, theirs):
        def cell(values: list[float]) -> str:
            return f"{percentile(values, 50):.0f} / {percentile(values, 95):.0f}"
        print(f"{label:18} {size / 1000:7.0f}KB {cell(starts):>15} {cell(pw_starts):>19} {cell(ends):>15} {cell(pw_ends):>16}")


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
    parser.add_argument("--env-runs", type=int, default=10)
    parser.add_argument("--no-environments", action="store_true")
    args = parser.parse_args()
    if not args.no_environments:
        print_environments(args.env_runs)
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
