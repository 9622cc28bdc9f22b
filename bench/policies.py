"""The cost of a policy per agent action, against the action itself.

Measured in this run on this machine, in process, with the system Chromium:
- the policy: 50 action rules (keyword, regex and detector matches over the target, the page and
  both, navigation globs) using all six detectors, plus 20 domain entries; evaluated on the
  agent's real attempt (the element line, the value typed and the page state text of a page of
  about `--page-kb` KB of text with a form);
- `evaluate()` alone (the rules; also over the whole page's text instead of the state), and the
  gate's whole check (building the attempt from the page,
  for a click also asking the browser whether the element submits a form, evaluating, reporting
  the decision as an audit event);
- the action itself: `type` into a field and `click` a button through BrowserEnv.execute, as the
  agent runs them (settle and change detection included), without a policy.

Prints p50 / p95 of each and the overhead of the check in % of the action (target: under 5 %).

Usage: python bench/policies.py [--runs 200] [--page-kb 20]
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
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bench.stats import pct  # noqa: E402
from openwebrun.agent.browser_env import BrowserEnv  # noqa: E402
from openwebrun.agent.control import AutonomousControl  # noqa: E402
from openwebrun.agent.policy_gate import PolicyGate  # noqa: E402
from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_chromium  # noqa: E402
from openwebrun.domain.detectors import DETECTORS  # noqa: E402
from openwebrun.domain.policies import Attempt, Policy, build_policy, evaluate  # noqa: E402

WORDS = ("order invoice customer shipping address payment account settings profile report delivery "
         "product review basket checkout quantity discount").split()


def page_html(kb: int) -> str:
    paragraphs, size, i = [], 0, 0
    while size < kb * 1024:
        text = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(40)) + f" item {i}."
        paragraphs.append(f"<p>{text}</p>")
        size += len(text)
        i += 1
    return ("<!doctype html><title>Orders</title><h1>Your orders</h1>"
            "<form action='/send'><label for=n>Your name</label><input id=n name=n>"
            "<button type=submit>Place order</button></form>" + "".join(paragraphs))


def fifty_rules() -> Policy:
    detectors = list(DETECTORS)
    rules = []
    for i in range(50):
        kind = i % 5
        if kind == 0:
            rules.append({"category": "navigation", "permission": "block", "urlPattern": f"*/area{i}/*"})
            continue
        category = ("type", "click", "form_submit", "clipboard")[i % 4]
        scope = ("target", "page", "all")[i % 3]
        if kind == 1:
            rules.append({"category": category, "permission": "guardrail", "scope": scope, "matchType": "keyword",
                          "match": f"never-present-{i}"})
        elif kind == 2:
            rules.append({"category": category, "permission": "block", "scope": scope, "matchType": "regex",
                          "match": rf"\b(?:wire|transfer)\s+{i}\d+\b"})
        else:
            rules.append({"category": category, "permission": "block", "scope": scope, "matchType": "detector",
                          "match": detectors[i % len(detectors)]})
    entries = [{"pattern": f"*.blocked{i}.test", "action": "block"} for i in range(20)]
    policy = build_policy({"name": "bench", "actionRules": rules,
                           "domainRules": {"mode": "blocklist", "entries": entries}},
                          policy_id="bench", account_id="bench")
    assert {r.match for r in policy.rules if r.match_type == "detector"} == set(DETECTORS)
    return policy


def row(name: str, values: list[float]) -> None:
    print(f"{name:<48} {pct(values, 50):9.3f} {pct(values, 95):9.3f} {statistics.mean(values):9.3f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--page-kb", type=int, default=20)
    args = parser.parse_args()
    policy = fifty_rules()
    events: list[object] = []
    async with async_playwright() as pw:
        browser = await launch_chromium(pw, find_chromium(), headless=True)
        context = await browser.new_context(viewport=dict(VIEWPORT))
        with tempfile.TemporaryDirectory() as tmp:
            env = BrowserEnv(context, downloads_dir=Path(tmp))
            page = await env.ensure_page()
            await page.set_content(page_html(args.page_kb))
            state = await env.observe()
            gate = PolicyGate(policy, AutonomousControl(on_event=events.append), env)
            field = next(i for i in range(1, 10) if "Your name" in env.element_line(i))
            button = next(i for i in range(1, 10) if "Place order" in env.element_line(i))
            typing = {"action": "type", "index": field, "text": "Ada Lovelace, 12 Example Street", "submit": None}
            clicking = {"action": "click", "index": button}
            # the click's form would leave the page: keep it there, the click itself still runs
            await page.evaluate("document.querySelector('form').addEventListener('submit', e => e.preventDefault())")
            attempt = Attempt(("type",), "type ...", f"[{field}] {env.element_line(field)}\n{typing['text']}",
                              state.text)
            whole = await page.inner_text("body")  # the whole page's text, not only what the state shows
            big = Attempt(attempt.categories, attempt.action, attempt.target, whole)
            rules, rules_big, type_check, click_check, type_action, click_action = [], [], [], [], [], []
            for _ in range(args.runs):
                began = time.perf_counter()
                evaluate(policy, attempt)
                rules.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                evaluate(policy, big)
                rules_big.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                assert await gate.check(typing) is None
                type_check.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                assert await gate.check(clicking) is None
                click_check.append((time.perf_counter() - began) * 1000)
            for _ in range(max(20, args.runs // 5)):
                await env.observe()
                began = time.perf_counter()
                await env.execute([typing])
                type_action.append((time.perf_counter() - began) * 1000)
                await env.observe()
                began = time.perf_counter()
                await env.execute([clicking])
                click_action.append((time.perf_counter() - began) * 1000)
        await browser.close()
    print(f"policy: {len(policy.rules)} action rules ({len(DETECTORS)} detectors), {len(policy.domains)} domain "
          f"entries; page state {len(state.text) / 1024:.1f} KB of text; {len(events)} audit events")
    print(f"{'what':<48} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9}   runs={args.runs}")
    row("evaluate(policy, attempt): the rules alone", rules)
    row(f"  the same over the whole page text ({len(whole) / 1024:.0f} KB)", rules_big)
    row("gate check of a type action", type_check)
    row("gate check of a click (asks the browser: submit?)", click_check)
    row("type action itself (BrowserEnv.execute)", type_action)
    row("click action itself (BrowserEnv.execute)", click_action)
    for name, check, action in (("type", type_check, type_action), ("click", click_check, click_action)):
        share = pct(check, 50) / pct(action, 50) * 100
        print(f"overhead of the policy on a {name}: p50 {share:.1f} % of the action (target < 5 %)")


if __name__ == "__main__":
    asyncio.run(main())
