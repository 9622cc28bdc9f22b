"""Harness completeness on MiniWoB++: scripted policies that read only the agent's page state and
act only through the agent's actions. Prints solved / attempted per task beside the 95 % target,
and for each failure why (observation gap, action error, action without effect, wrong result).

The task pages come from the `miniwob` package (pip install --no-deps miniwob==1.1.0), served over
HTTP on loopback and opened in the system Chromium. The HARNESS starts episodes the way the package
does (seed via Math.seedrandom, core.startEpisodeReal) and reads the reward through page.evaluate;
a POLICY sees `state.text` from BrowserEnv.observe() and returns agent actions, nothing else.
The episode time limit is raised to --episode-s (each observe/act round trip of a full agent costs
more than a scripted click), and a task counts as solved when its raw reward is 1.

With --vision the environment takes the vision-only actions (click_at) and each policy finds
memory["vision"] set, as a model with vision on would; the report says which mode ran.

Usage: python bench/miniwob.py [--tasks a,b,c] [--seeds 5] [--steps 12] [--vision] [--json out.json] [--show]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # this file is not the package
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bench.miniwob_policies import POLICIES  # noqa: E402
from bench.miniwob_policies.state import Missing, Unsupported  # noqa: E402
from openwebrun.agent.browser_env import BrowserEnv  # noqa: E402
from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_chromium  # noqa: E402
from openwebrun.browser.reach import Reach  # noqa: E402

TARGET = 0.95
START_JS = """([seed, limitMs]) => {
  if (core.EP_TIMER !== null) core.endEpisode(0);
  Math.seedrandom(seed);
  if (core.setDataMode) core.setDataMode('train');
  core.EPISODE_MAX_TIME = Math.max(core.EPISODE_MAX_TIME, limitMs);
  core.startEpisodeReal();
}"""
STATUS_JS = """() => ({done: WOB_DONE_GLOBAL, reward: WOB_RAW_REWARD_GLOBAL, ready: WOB_TASK_READY,
  reason: WOB_REWARD_REASON === null ? null : String(WOB_REWARD_REASON),
  query: (document.getElementById('query') || {}).innerText || ''})"""
CALL_S = 5.0


def html_dir() -> Path:
    try:
        path = Path(str(distribution("miniwob").locate_file("miniwob/html")))
    except PackageNotFoundError:
        sys.exit("the miniwob package is missing: pip install --no-deps miniwob==1.1.0")
    if not (path / "miniwob").is_dir():
        sys.exit(f"no MiniWoB++ pages under {path}")
    return path


class PageHandler(SimpleHTTPRequestHandler):
    """The task pages are UTF-8 without a meta charset: say so, or Chromium reads them as Latin-1."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html; charset=utf-8",
                      ".js": "text/javascript; charset=utf-8"}

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(PageHandler, directory=str(directory)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Episode:
    task: str
    seed: int
    solved: bool = False
    reward: float | None = None
    steps: int = 0
    seconds: float = 0.0
    # observation gap | action gap | action error | no effect | wrong result | timed out | step budget | policy error
    failure: str = ""
    detail: str = ""
    excerpt: str = ""
    actions: list = field(default_factory=list)


async def status(page) -> dict:
    return await asyncio.wait_for(page.evaluate(STATUS_JS), CALL_S)


async def wait_done(page, seconds: float) -> dict:
    """Poll the done flag briefly: some tasks end their episode in a timer after the last action."""
    deadline = time.monotonic() + seconds
    st = await status(page)
    while not st["done"] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        st = await status(page)
    return st


def without_clock(text: str) -> str:
    """The page state less the task's countdown line, which changes every second."""
    return "\n".join(l for l in text.splitlines() if not l.startswith("Time left:"))


def excerpt(text: str, limit: int = 40) -> str:
    lines = text.splitlines()
    return "\n".join(lines[:limit]) + (f"\n… ({len(lines) - limit} more lines)" if len(lines) > limit else "")


async def run_episode(env: BrowserEnv, url: str, task: str, seed: int, args) -> Episode:
    ep = Episode(task=task, seed=seed)
    page = await env.ensure_page()
    await env.goto(url)
    await asyncio.wait_for(page.evaluate(START_JS, [seed, int(args.episode_s * 1000)]), CALL_S)
    for _ in range(40):
        if (await status(page))["ready"]:
            break
        await asyncio.sleep(0.05)
    policy = POLICIES[task]
    memory: dict = {"feedback": [], "vision": args.vision}  # what the model also has: its last actions' results
    began = time.monotonic()
    seen: dict[tuple[str, str], int] = {}
    last_error = ""
    try:
        for step in range(args.steps):
            state = await env.observe()
            if args.show:
                print(f"--- {task} seed {seed} step {step}\n{state.text}")
            ep.excerpt = excerpt(state.text)
            try:
                actions = policy(state.text, memory)
            except Missing as exc:
                ep.failure, ep.detail = "observation gap", str(exc)
                break
            except Unsupported as exc:
                ep.failure, ep.detail = "action gap", str(exc)
                break
            except Exception as exc:  # a bug of the policy, not of the harness under test
                ep.failure, ep.detail = "policy error", f"{type(exc).__name__}: {exc}"
                break
            if not actions:
                ep.failure, ep.detail = "observation gap", "the policy found nothing to do in the page state"
                break
            key = (without_clock(state.text), json.dumps(actions))
            if seen.get(key, 0) >= 2 and not memory.pop("repeat", False):
                # same page, same decision, thrice: it changes nothing (unless the policy means to roll again)
                ep.failure = "action error" if last_error else "no effect"
                ep.detail = last_error or f"the page state did not change after {actions}"
                break
            seen[key] = seen.get(key, 0) + 1
            ep.steps = step + 1
            ep.actions.append(actions)
            acted = time.monotonic()
            results = await env.execute(actions)
            memory["feedback"] = [r.error or r.message for r in results]
            if args.show:
                print(f">>> {actions}\n<<< {memory['feedback']} ({time.monotonic() - acted:.2f} s)")
            errors = [r.error for r in results if r.error]
            last_error = errors[0] if errors else ""
            st = await wait_done(page, 0.3)
            if st["done"] or any(r.done for r in results):
                break
        else:
            ep.failure = "action error" if last_error else "step budget"
            ep.detail = last_error or f"not done after {args.steps} steps"
        st = await wait_done(page, 1.0)
    finally:
        ep.seconds = time.monotonic() - began
    ep.reward = float(st["reward"]) if st["done"] else None
    ep.solved = bool(st["done"] and st["reward"] >= 0.999)
    if st["done"] and not ep.solved and not ep.failure:
        ep.failure = "timed out" if st["reason"] == "timed out" else "wrong result"
        ep.detail = f"raw reward {st['reward']}" + (f" ({st['reason']})" if st["reason"] else "")
    elif not st["done"] and not ep.failure:
        ep.failure, ep.detail = "no effect", "the policy finished but the task did not end"
    if ep.solved:
        ep.failure = ep.detail = ep.excerpt = ""
    return ep


async def run(args) -> list[Episode]:
    tasks = args.tasks.split(",") if args.tasks else sorted(POLICIES)
    unknown = [t for t in tasks if t not in POLICIES]
    if unknown:
        sys.exit(f"no policy for {', '.join(unknown)}; known: {', '.join(sorted(POLICIES))}")
    episodes: list[Episode] = []
    with serve(html_dir()) as base, tempfile.TemporaryDirectory() as tmp:
        async with async_playwright() as pw:
            browser = await launch_chromium(pw, find_chromium(), headless=True)
            try:
                for task in tasks:
                    context = await browser.new_context(viewport=dict(VIEWPORT))
                    env = BrowserEnv(context, downloads_dir=Path(tmp), reach=Reach(allow_private=True))  # loopback
                    env.vision = args.vision
                    try:
                        await context.new_page()
                        for seed in range(args.seed_from, args.seed_from + args.seeds):
                            ep = await run_episode(env, f"{base}/miniwob/{task}.html", task, seed, args)
                            episodes.append(ep)
                            mark = "ok " if ep.solved else "FAIL"
                            print(f"{mark} {task:<28} seed {seed} steps {ep.steps:>2} {ep.seconds:5.1f}s"
                                  + (f"  {ep.failure}: {ep.detail[:150]}" if not ep.solved else ""), flush=True)
                    finally:
                        env.close()
                        await context.close()
            finally:
                await browser.close()
    return episodes


def report(episodes: list[Episode], vision: bool = False) -> str:
    by_task: dict[str, list[Episode]] = {}
    for ep in episodes:
        by_task.setdefault(ep.task, []).append(ep)
    out = ["", f"{'task':<30} solved/attempted", "-" * 47]
    for task, eps in by_task.items():
        solved = sum(e.solved for e in eps)
        out.append(f"{task:<30} {solved:>3}/{len(eps):<3}{'' if solved == len(eps) else '  <'}")
    total = sum(e.solved for e in episodes)
    rate = total / max(len(episodes), 1)
    out.append("-" * 47)
    out.append(f"{'vision' if vision else 'text-only'}: "
               f"{len(by_task)} tasks, {total}/{len(episodes)} episodes solved = {rate:.1%}"
               f"   (target {TARGET:.0%}: {'met' if rate >= TARGET else 'NOT met'})")
    failures = [e for e in episodes if not e.solved]
    if failures:
        out.append("\nFailures:")
        for e in failures:
            out.append(f"- {e.task} seed {e.seed} [{e.failure}] {e.detail}")
            out.append(f"  actions: {json.dumps(e.actions)[:400]}")
            out.append("  state:\n" + "\n".join("    | " + l for l in e.excerpt.splitlines()))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: every task with a policy)")
    parser.add_argument("--seeds", type=int, default=5, help="episodes per task, seeds 0..N-1")
    parser.add_argument("--seed-from", type=int, default=0, help="first seed (split a long run in parts)")
    parser.add_argument("--steps", type=int, default=25, help="observe/act rounds per episode")
    parser.add_argument("--episode-s", type=float, default=60.0, help="episode time limit (raised from the task's)")
    parser.add_argument("--json", type=Path, help="write every episode as JSON here")
    parser.add_argument("--show", action="store_true", help="print every page state and action")
    parser.add_argument("--vision", action="store_true", help="offer the vision-only actions (click_at)")
    args = parser.parse_args()
    began = time.monotonic()
    episodes = asyncio.run(run(args))
    print(report(episodes, args.vision))
    print(f"\nwall time {time.monotonic() - began:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(e) for e in episodes], indent=1))


if __name__ == "__main__":
    main()
