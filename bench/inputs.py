"""Per-action cost of a task's inputs: the avoidDomains route and secret substitution.

One Chromium context behind the pool's reach proxy (its own lane), a static fixture site on
loopback. Each round runs, in random order:
- `navigate` to a page of the site with no avoided domains, and with 10 avoided domains (none
  matching, so the page loads: the cost is the check before the navigation, the proxy lane's
  check of every connection and the request listener's);
- `type` of a 17-character password as plain text, and as `<secret:password>` (the frame's host
  is read and the placeholder filled from the session's secrets).

    python bench/inputs.py [--rounds 200]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from openwebrun.agent.browser_env import BrowserEnv  # noqa: E402
from openwebrun.browser.launch import find_chromium  # noqa: E402
from openwebrun.browser.pool import BrowserPool  # noqa: E402
from openwebrun.browser.reach import Reach  # noqa: E402
from openwebrun.domain.models import SecretEntry  # noqa: E402
from tests.support.servers import static_site  # noqa: E402

SITE = ROOT / "tests" / "e2e" / "site"
AVOID = [f"blocked{i}.example" for i in range(9)] + ["localhost"]  # none is the site's host (127.0.0.1)
PASSWORD = "Hx7 kq&Lm4-secret"
PASSWORD_FIELD = 2  # signin.html: [1] Username, [2] Password


async def timed(env: BrowserEnv, action: dict) -> float:
    began = time.perf_counter()
    results = await env.execute([action])
    spent = (time.perf_counter() - began) * 1000
    if results[-1].error:
        raise RuntimeError(results[-1].error)
    return spent


async def measure(site: str, rounds: int) -> dict[str, list[float]]:
    pool = BrowserPool(find_chromium(), headless=True, reach=Reach(allow_private=True))  # the site is on loopback
    await pool.start(warm=False)
    times: dict[str, list[float]] = {"navigate": [], "navigate+avoid": [], "type": [], "type+secret": []}
    try:
        context = await pool.new_context()
        with tempfile.TemporaryDirectory() as downloads:
            env = BrowserEnv(context, downloads_dir=Path(downloads), reach=pool.reach, lane=pool.lane(context))
            env.add_secrets([SecretEntry("127.0.0.1", {"password": PASSWORD})])
            for i in range(rounds + 3):  # 3 warm-up rounds
                kinds = random.sample(["navigate", "navigate+avoid"], 2)
                for kind in kinds:
                    env.set_avoid_domains(AVOID if kind.endswith("avoid") else ())
                    spent = await timed(env, {"action": "navigate", "url": f"{site}/list.html?r={i}"})
                    if i >= 3:
                        times[kind].append(spent)
                env.set_avoid_domains(())
                await timed(env, {"action": "navigate", "url": f"{site}/signin.html?r={i}"})
                await env.observe()
                for kind in random.sample(["type", "type+secret"], 2):
                    text = "<secret:password>" if kind.endswith("secret") else PASSWORD
                    spent = await timed(env, {"action": "type", "index": PASSWORD_FIELD, "text": text, "submit": False})
                    if i >= 3:
                        times[kind].append(spent)
            env.close()
        await pool.release(context)
    finally:
        await pool.close()
    return times


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with static_site(SITE) as site:
        times = asyncio.run(measure(site, args.rounds))
    print(f"per action, {args.rounds} rounds, one context behind the reach proxy")
    for plain, with_input in (("navigate", "navigate+avoid"), ("type", "type+secret")):
        extra = statistics.median(times[with_input]) - statistics.median(times[plain])
        print(f"  {plain:<8} without: {summary(times[plain])}   with: {summary(times[with_input])}"
              f"   difference of medians {extra:+.2f} ms")


if __name__ == "__main__":
    main()
