"""Dashboard: time to interactive and bytes transferred of the sessions page and of a task page
with 50 steps, compared with the targets (300 ms, 300 KB on loopback).

Measured in this run on this machine: `openwebrun serve` in a subprocess (SQLite, the scripted LLM
on loopback, the fixture site), a task of 50 steps (49 navigations, each step with its screenshot,
then done), three idle live sessions; the dashboard in the system Chromium (Playwright, 1280x800,
the API key put into sessionStorage before the page loads). Time to interactive = the page's
`ready` performance mark (set when its data is drawn and its controls work), counted from the
navigation's start; the sign-in page, which loads the same stylesheet and shared script but calls no
API, is measured too as the floor the machine sets in that moment. Bytes = the navigation plus
every resource and API call of the page (`transferSize` of the Resource Timing entries, headers
included) up to the ready mark, plus what the page fetches right after it (the task page's
neighbouring screenshots). Cold = a new browser context (empty cache); warm = the same page loaded
again in that context.

Usage: python bench/ui.py [--repeat 10]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from openwebrun.browser.launch import QUIET_FLAGS, find_chromium  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support.servers import API_KEY, ServerProcess, static_site  # noqa: E402

SITE = ROOT / "tests" / "e2e" / "site"
STEPS = 50
TARGET_MS, TARGET_KB = 300, 300
BYTES = """() => new Promise((done) => setTimeout(() => {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  done(entries.reduce((sum, e) => sum + (e.transferSize || 0), 0));
}, 500))"""


def make_task(server: ServerProcess, llm: ScriptedLLM, site: str) -> tuple[str, str]:
    steps = [{"thinking": f"step {i}", "next_goal": f"open page {i}",
              "actions": [{"action": "navigate", "url": f"{site}/list.html?page={i}"}]} for i in range(1, STEPS)]
    steps.append({"thinking": "finished", "next_goal": "report",
                  "actions": [{"action": "done", "success": True, "result": "read 49 pages"}]})
    tag = llm.script("bench-ui", steps)
    with server.client() as api:
        body = api.post("/start/run-task", json={"taskDetails": f"read every page {tag}",
                                                 "startingUrl": f"{site}/list.html"}).json()
        assert body["status"] == "completed", body
        steps_seen = len(api.get(f"/task/{body['sessionId']}/{body['taskId']}/steps").json()["steps"])
        assert steps_seen == STEPS, steps_seen
        for _ in range(3):
            assert api.post("/start/start-session", json={}).json()["success"]
    return body["sessionId"], body["taskId"]


def measure(browser: Browser, url: str, repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {f"{kind}_{what}": [] for kind in ("cold", "warm")
                                       for what in ("ms", "bytes", "html_ms", "dcl_ms")}
    for _ in range(repeat):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(f"sessionStorage.setItem('openwebrun.apiKey', {API_KEY!r})")
        page = context.new_page()
        for kind in ("cold", "warm"):
            page.goto(url, wait_until="commit")
            page.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)
            figures[f"{kind}_ms"].append(page.evaluate("performance.getEntriesByName('ready')[0].startTime"))
            figures[f"{kind}_bytes"].append(page.evaluate(BYTES))
            timing = page.evaluate("(({responseEnd, domContentLoadedEventEnd}) => [responseEnd, domContentLoadedEventEnd])"
                                   "(performance.getEntriesByType('navigation')[0])")
            figures[f"{kind}_html_ms"].append(timing[0])
            figures[f"{kind}_dcl_ms"].append(timing[1])
        context.close()
    return figures


def report(name: str, figures: dict[str, list[float]]) -> None:
    for kind in ("cold", "warm"):
        ms, kb = figures[f"{kind}_ms"], [b / 1024 for b in figures[f"{kind}_bytes"]]
        print(f"  {name:<22} {kind}: time to interactive median {statistics.median(ms):6.1f} ms "
              f"(max {max(ms):6.1f})  target {TARGET_MS} ms | transferred {statistics.median(kb):6.1f} KB  "
              f"target {TARGET_KB} KB")
        print(f"  {'':<22} {'':>4}  (page HTML received at {statistics.median(figures[kind + '_html_ms']):.1f} ms, "
              f"scripts run by {statistics.median(figures[kind + '_dcl_ms']):.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    llm = ScriptedLLM().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp, static_site(SITE) as site:
            server = ServerProcess(Path(tmp), {"OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm.base_url,
                                               "OPENAI_API_KEY": "bench", "OPENWEBRUN_MAX_STEPS": "60",
                                               "OPENWEBRUN_WAIT_WINDOW_S": "120",
                                               "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true"}).start()
            try:
                session_id, task_id = make_task(server, llm, site)
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=find_chromium(), args=[*QUIET_FLAGS, "--no-sandbox"])
                    # the sign-in page loads the same stylesheet and script and calls no API: the floor
                    # this machine sets for any page at the moment of the run
                    pages = {"sign-in page (floor)": f"{server.base_url}/ui/signin",
                             "sessions page": f"{server.base_url}/ui/sessions",
                             f"task page ({STEPS} steps)": f"{server.base_url}/ui/task?session={session_id}&task={task_id}"}
                    print(f"dashboard on loopback, {args.repeat} loads each (median; cold = empty cache); "
                          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:")
                    for name, url in pages.items():
                        report(name, measure(browser, url, args.repeat))
                    browser.close()
            finally:
                server.stop()
    finally:
        llm.stop()


if __name__ == "__main__":
    main()
