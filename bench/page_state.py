"""Page-state size and capture time: openwebrun's serializer beside browser-use 0.13.14 and
Playwright's aria snapshot, measured on the same pages in the same run.

Pages: every /work/shared/corpus/pages/*.html (saved real pages) and the MiniWoB++ task pages of
the `miniwob` package, served over HTTP on loopback; requests to anything but loopback are
blocked. MiniWoB pages get a seeded episode started (same seed on every side) before capture.

For each page and side: o200k_base tokens of the page state as the model reads it, interactive
elements exposed (numbered), capture time (median of --repeat captures). Nothing is asserted:
figures are printed side by side. See bench/README.md for how elements are counted.

With --baseline REF the page state of openwebrun's serializer at git revision REF is taken too, on
the same loaded page right after the current one: the before/after of a serializer change in one run.

Usage: python bench/page_state.py [--quick] [--only WORD...] [--repeat 3] [--json out.json] [--dump DIR]
       [--baseline REF]
(set-up once: bash bench/peers/setup.sh)
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tokens  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from openwebrun.agent.browser_env import BrowserEnv  # noqa: E402
from openwebrun.agent.dom import capture as capture_module  # noqa: E402
from openwebrun.browser.launch import VIEWPORT, find_chromium, launch_args, launch_chromium  # noqa: E402
from tests.support.servers import static_site  # noqa: E402

CORPUS = Path(os.environ.get("OWR_CORPUS_PAGES", "/work/shared/corpus/pages"))
PEER_PYTHON = ROOT / "bench" / ".venv-browser-use" / "bin" / "python"
PEER_SCRIPT = ROOT / "bench" / "peers" / "browser_use_state.py"
QUICK_CORPUS = ["cnn.html", "mercurial.html", "wikipedia.html", "ietf-1.html"]
QUICK_MINIWOB = ["click-button.html", "book-flight.html", "login-user.html", "social-media.html"]
LOAD_TIMEOUT_MS = 20000
SETTLE_MS = 150
PEER_TIMEOUT_S = 900
# Loopback only: the peer's Chromium gets the same rule as DNS and proxy settings.
BLOCK_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
              "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
# Starts a MiniWoB++ episode with a fixed seed and a long timer; a no-op on other pages.
START_EPISODE = """() => {
  if (!(window.core && typeof core.startEpisodeReal === 'function')) return false;
  core.EPISODE_MAX_TIME = 3600000;
  if (Math.seedrandom) Math.seedrandom('openwebrun-bench');
  core.startEpisodeReal();
  return true;
}"""
# Marks every element of the main document with its position, to tell which elements both sides number.
TAG_ELEMENTS = """() => {
  let i = 0;
  for (const el of document.querySelectorAll('*')) el.setAttribute('data-bench-id', String(++i));
  return i;
}"""
OURS_NUMBERED = """() => ((window.__owr && window.__owr.els) || []).slice(1)
  .map((el) => [el.getAttribute('data-bench-id'), el.tagName.toLowerCase()])"""


def with_reach(name: str) -> str:
    """A bench script `(args, reach) => ...` bound to bench/reach.js, callable as `(args) => ...`."""
    here = Path(__file__).resolve().parent
    script, reach = ((here / f).read_text(encoding="utf-8").strip() for f in (name, "reach.js"))
    return f"(args) => ({script})(args, {reach})"


EXPLAIN = with_reach("explain_elements.js")
ACTIONABLE = with_reach("actionable_elements.js")
INTERACTIVE_ROLES = ("button", "link", "textbox", "searchbox", "checkbox", "radio", "combobox", "listbox",
                     "slider", "spinbutton", "switch", "tab", "menuitem", "menuitemcheckbox", "menuitemradio",
                     "option", "treeitem")
ARIA_INTERACTIVE = re.compile(r"^\s*- (?:" + "|".join(INTERACTIVE_ROLES) + r")\b", re.M)


def miniwob_dir() -> Path:
    """The installed package's pages (found through its metadata: bench/miniwob.py shadows the name)."""
    try:
        html = Path(str(importlib.metadata.distribution("miniwob").locate_file("miniwob/html")))
    except importlib.metadata.PackageNotFoundError:
        html = None
    if html is None or not (html / "miniwob").is_dir():
        raise SystemExit("the MiniWoB++ pages come from the PyPI package 'miniwob': bash bench/peers/setup.sh")
    return html


def page_paths(quick: bool, only: list[str]) -> list[str]:
    """Site paths of the pages, e.g. 'corpus/cnn.html' and 'miniwob/miniwob/click-button.html'."""
    corpus = sorted(p.name for p in CORPUS.glob("*.html"))
    tasks = sorted(p.name for p in (miniwob_dir() / "miniwob").glob("*.html"))
    if quick:
        corpus = [n for n in QUICK_CORPUS if n in corpus]
        tasks = [n for n in QUICK_MINIWOB if n in tasks]
    paths = [f"corpus/{n}" for n in corpus] + [f"miniwob/miniwob/{n}" for n in tasks]
    return [p for p in paths if any(word in p for word in only)] if only else paths


def site_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    (root / "corpus").symlink_to(CORPUS)
    (root / "miniwob").symlink_to(miniwob_dir())
    return root


# Every URL but loopback; as a regex the browser itself filters, so loopback requests never pause.
OUTSIDE = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:/|$))[a-z][a-z0-9+.-]*://")


async def block_outside(route) -> None:
    await route.abort("blockedbyclient")


async def timed(call) -> tuple[float, object]:
    began = time.perf_counter()
    result = await call
    return (time.perf_counter() - began) * 1000, result


def baseline_serializer(ref: str) -> str:
    """serializer.js as it was at git revision `ref`."""
    done = subprocess.run(["git", "show", f"{ref}:openwebrun/agent/dom/serializer.js"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise SystemExit(f"cannot read the serializer at {ref!r}: {done.stderr.strip()}")
    return done.stdout


async def observe_with(env: BrowserEnv, serializer: str):
    """One observation made with another serializer source (the capture code is the same)."""
    current = capture_module.script
    capture_module.script = lambda name: serializer if name == "serializer" else current(name)  # type: ignore[assignment]
    try:
        return await asyncio.wait_for(env.observe(), 60)
    finally:
        capture_module.script = current  # type: ignore[assignment]


BASELINE: dict[str, str] = {}  # "ref" and "source" when --baseline is given


async def measure_ours(urls: list[str], repeat: int, peer: dict[str, dict]) -> dict[str, dict]:
    """openwebrun's page state and Playwright's aria snapshot of each URL, in one tab; `peer` (browser-use's
    rows, measured first) tells which of its numbered elements to explain."""
    rows: dict[str, dict] = {}
    async with async_playwright() as pw:
        browser = await launch_chromium(pw, find_chromium(), headless=True)
        try:
            context = await browser.new_context(viewport=dict(VIEWPORT))
            await context.route(OUTSIDE, block_outside)
            page = await context.new_page()
            with tempfile.TemporaryDirectory() as downloads:
                env = BrowserEnv(context, downloads_dir=Path(downloads))
                await env.ready()  # the click-listener record (listeners.js) from the first page on
                await measure_page(page, env, urls[0], 1, [])  # warm-up, not recorded (the peer does the same)
                for number, url in enumerate(urls, 1):
                    progress(f"openwebrun + aria {number}/{len(urls)}")
                    try:
                        theirs = (peer.get(url) or {}).get("numbered") or []
                        rows[url] = await measure_page(page, env, url, repeat, theirs)
                    except Exception as exc:  # one bad page must not end the run
                        rows[url] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                env.close()
            await context.close()
        finally:
            await browser.close()
    return rows


async def goto(page, env: BrowserEnv, url: str) -> None:
    """page.goto, dismissing JS dialogs opened while loading: BrowserEnv keeps them open for the model,
    and an alert() during parsing would hold the load forever (browser-use closes them by itself)."""
    navigation = asyncio.ensure_future(page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS))
    while not navigation.done():
        dialog = env.dialogs.pop(page, None)
        if dialog is not None:
            await asyncio.wait_for(dialog.dismiss(), 5)
        await asyncio.wait({navigation}, timeout=0.05)
    navigation.result()


async def load(page, env: BrowserEnv, url: str) -> None:
    """Open `url`; once more from a blank page when the first try fails."""
    try:
        await goto(page, env, url)
    except Exception:
        await goto(page, env, "about:blank")
        await goto(page, env, url)


async def measure_page(page, env: BrowserEnv, url: str, repeat: int, theirs: list) -> dict:
    await load(page, env, url)
    await asyncio.wait_for(page.evaluate(START_EPISODE), 10)
    await asyncio.sleep(SETTLE_MS / 1000)
    observe_ms, state = await timed(asyncio.wait_for(env.observe(), 60))
    captures = [state.capture_ms]
    for _ in range(repeat - 1):  # the last state is the one reported, as the overlap reads its elements
        state = await asyncio.wait_for(env.observe(), 60)
        captures.append(state.capture_ms)
    aria_times, aria = [], ""
    for _ in range(repeat):
        ms, aria = await timed(page.locator("body").aria_snapshot(timeout=30000))
        aria_times.append(ms)
    before, before_ms = None, []
    if BASELINE:  # alternated with the current serializer, so that both see the same load
        for _ in range(repeat):
            before = await observe_with(env, BASELINE["source"])
            before_ms.append(before.capture_ms)
            state = await asyncio.wait_for(env.observe(), 60)  # the current serializer's numbers again, for the overlap
            captures.append(state.capture_ms)
    await asyncio.wait_for(page.evaluate(TAG_ELEMENTS), 10)  # after the timed captures
    numbered = await asyncio.wait_for(page.evaluate(OURS_NUMBERED), 10)
    mine = {bench_id for bench_id, _tag in numbered}
    only_theirs = [[bench_id, signals] for bench_id, _tag, band, signals in theirs if band and bench_id not in mine]
    explained = await asyncio.wait_for(page.evaluate(EXPLAIN, {"ours": sorted(mine), "theirs": only_theirs}), 30)
    actionable = await asyncio.wait_for(page.evaluate(
        ACTIONABLE, {"ours": sorted(mine), "theirs": [bench_id for bench_id, *_rest in theirs]}), 60)
    return {
        "ours": {"text": state.text, "elements": state.element_count, "capture_ms": statistics.median(captures),
                 "state_ms": observe_ms, "numbered": numbered, "explained": explained,
                 "actionable": actionable},
        "aria": {"text": aria, "elements": len(ARIA_INTERACTIVE.findall(aria)),
                 "capture_ms": statistics.median(aria_times)},
        "before": None if before is None else {"text": before.text, "elements": before.element_count,
                                                "capture_ms": statistics.median(before_ms)},
    }


def progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{message}   ", end="", file=sys.stderr, flush=True)


def measure_peer(urls: list[str], repeat: int) -> tuple[str, dict[str, dict]]:
    """browser-use's state of each URL, from its own virtualenv (see bench/peers/browser_use_state.py)."""
    if not PEER_PYTHON.exists():
        raise SystemExit("browser-use is not installed: bash bench/peers/setup.sh")
    job = {"urls": urls, "chromium": find_chromium(), "args": launch_args() + BLOCK_ARGS, "viewport": dict(VIEWPORT),
           "repeat": repeat, "start_script": START_EPISODE, "settle_ms": SETTLE_MS, "tag_script": TAG_ELEMENTS}
    progress(f"browser-use: {len(urls)} pages")
    done = subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT)], input=json.dumps(job), capture_output=True,
                          text=True, timeout=PEER_TIMEOUT_S, cwd=tempfile.gettempdir())
    progress("")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"browser-use run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    version = lines[0].get("version", "?")
    return version, {row["url"]: row for row in lines[1:] if "url" in row}


def overlap(ours: list, theirs: list) -> dict:
    """Main-document elements numbered by both, by openwebrun only, by browser-use only (in our band)."""
    mine = {bench_id: tag for bench_id, tag in ours if bench_id}
    peer_all = {bench_id: tag for bench_id, tag, _band, _signals in theirs}
    peer = {bench_id: tag for bench_id, tag, band, _signals in theirs if band}
    return {"both": len(mine.keys() & peer_all.keys()),
            "only_ours": sorted(mine[i] for i in mine.keys() - peer_all.keys()),
            "only_bu": sorted(peer[i] for i in peer.keys() - mine.keys())}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def report(paths: list[str], urls: list[str], ours: dict, peer: dict, peer_version: str, repeat: int) -> list[dict]:
    rows = []
    for path, url in zip(paths, urls):
        row = {"page": path.split("/")[-1].removesuffix(".html"), "set": path.split("/")[0], "url": url}
        side, bu = ours.get(url, {}), peer.get(url, {})
        if "error" in side or bu.get("error") or not bu:
            row["error"] = side.get("error") or bu.get("error") or "no answer from browser-use"
            rows.append(row)
            continue
        row.update({
            "ours_tokens": tokens.count(side["ours"]["text"]), "ours_elements": side["ours"]["elements"],
            "ours_ms": side["ours"]["capture_ms"], "ours_state_ms": side["ours"]["state_ms"],
            "bu_tokens": tokens.count(bu["text"]), "bu_elements": bu["elements"],
            "bu_elements_band": bu["elements_in_band"], "bu_ms": bu["capture_ms"], "bu_state_ms": bu["state_ms"],
            "aria_tokens": tokens.count(side["aria"]["text"]), "aria_elements": side["aria"]["elements"],
            "aria_ms": side["aria"]["capture_ms"],
            **overlap(side["ours"]["numbered"], bu.get("numbered") or []),
            "explained": side["ours"].get("explained") or {},
            "actionable": side["ours"]["actionable"],
            "texts": {"openwebrun": side["ours"]["text"], "browser-use": bu["text"], "aria": side["aria"]["text"]},
        })
        if side.get("before"):
            row.update({"base_tokens": tokens.count(side["before"]["text"]), "base_elements": side["before"]["elements"],
                        "base_ms": side["before"]["capture_ms"]})
            row["texts"]["openwebrun-" + BASELINE["ref"]] = side["before"]["text"]
        rows.append(row)

    head = (f"{'page':<34}{'set':<8}| {'owr tok':>8}{'el':>5}{'ms':>7} | {'b-u tok':>8}{'el':>5}{'band':>5}{'ms':>7}"
            f" | {'aria tok':>8}{'el':>5}{'ms':>7} | {'tok':>6} | {'both':>4}{'-owr':>5}{'-b-u':>5}"
            f" | {'act':>4}{'owr':>5}{'b-u':>5}")
    print(head)
    print("-" * len(head))
    good = [r for r in rows if "error" not in r]
    for r in rows:
        if "error" in r:
            print(f"{r['page'][:33]:<34}{r['set']:<8}| error: {r['error'][:90]}")
            continue
        print(f"{r['page'][:33]:<34}{r['set']:<8}| {r['ours_tokens']:>8}{r['ours_elements']:>5}{r['ours_ms']:>7.0f}"
              f" | {r['bu_tokens']:>8}{r['bu_elements']:>5}{r['bu_elements_band']:>5}{r['bu_ms']:>7.0f}"
              f" | {r['aria_tokens']:>8}{r['aria_elements']:>5}{r['aria_ms']:>7.0f}"
              f" | {ratio(r['ours_tokens'], r['bu_tokens']):>6}"
              f" | {r['both']:>4}{len(r['only_ours']):>5}{len(r['only_bu']):>5}"
              f" | {r['actionable']['targets']:>4}{r['actionable']['ours']:>5}{r['actionable']['theirs']:>5}")
    print()
    print(f"pages measured: {len(good)} of {len(rows)}; browser-use {peer_version}; viewport "
          f"{VIEWPORT['width']}x{VIEWPORT['height']}; capture = median of {repeat}; tokens: {tokens.describe()}")
    for name, subset in (("all", good), ("corpus", [r for r in good if r["set"] == "corpus"]),
                         ("miniwob", [r for r in good if r["set"] == "miniwob"])):
        if subset:
            summarize(name, subset)
    return rows


def summarize(name: str, rows: list[dict]) -> None:
    def total(key: str) -> float:
        return sum(r[key] for r in rows)

    def med(key: str) -> float:
        return median([r[key] for r in rows])

    per_page_tok = median([r["ours_tokens"] / r["bu_tokens"] for r in rows if r["bu_tokens"]])
    per_page_ms = median([r["ours_ms"] / r["bu_ms"] for r in rows if r["bu_ms"]])
    at_least = sum(1 for r in rows if r["ours_elements"] >= r["bu_elements_band"])
    print(f"\n[{name}: {len(rows)} pages]")
    print(f"  {'':<28}{'openwebrun':>12}{'browser-use':>13}{'aria':>10}")
    for label, key in (("tokens, total", "tokens"), ("tokens, median", "tokens"),
                       ("elements, total", "elements"), ("capture ms, median", "ms"), ("capture ms, total", "ms")):
        fn = med if "median" in label else total
        print(f"  {label:<28}{fn('ours_' + key):>12.0f}{fn('bu_' + key):>13.0f}{fn('aria_' + key):>10.0f}")
    print(f"  {'b-u elements in our band':<28}{'':>12}{total('bu_elements_band'):>13.0f}")
    print(f"  {'state ms (whole), median':<28}{med('ours_state_ms'):>12.0f}{med('bu_state_ms'):>13.0f}")
    print(f"  tokens openwebrun/browser-use: total {ratio(total('ours_tokens'), total('bu_tokens'))}, "
          f"median per page {per_page_tok:.2f}x   (target <= 0.7x)")
    print(f"  elements: openwebrun {total('ours_elements'):.0f} vs browser-use {total('bu_elements_band'):.0f} in the "
          f"same band ({total('bu_elements'):.0f} in its own); openwebrun >= browser-use on {at_least}/{len(rows)} pages")
    only_ours = Counter(t for r in rows for t in r["only_ours"])
    only_bu = Counter(t for r in rows for t in r["only_bu"])
    print(f"  same elements (main document): numbered by both {total('both'):.0f}, only by openwebrun "
          f"{sum(only_ours.values())} ({tags(only_ours)}), only by browser-use in our band "
          f"{sum(only_bu.values())} ({tags(only_bu)})")
    reasons = Counter(why for r in rows for why, _tag, _text in r["explained"].values())
    if reasons:
        print("  why browser-use numbers them (read in openwebrun's copy of the page; bench/explain_elements.js):")
        for why, n in reasons.most_common():
            kinds = Counter(tag for r in rows for w, tag, _text in r["explained"].values() if w == why)
            print(f"    {n:>5}  {why:<36}({tags(kinds)})")
    act = {key: sum(r["actionable"][key] for r in rows) for key in ("targets", "ours", "theirs")}
    print(f"  actionable elements of the main document (bench/actionable_elements.js): {act['targets']}; "
          f"numbered by openwebrun {act['ours']} ({percent(act['ours'], act['targets'])}), "
          f"by browser-use {act['theirs']} ({percent(act['theirs'], act['targets'])})   (target: openwebrun >= browser-use)")
    for side, key in (("openwebrun", "missed_ours"), ("browser-use", "missed_theirs")):
        missed = Counter(tag for r in rows for tag, _text in r["actionable"][key])
        print(f"    not numbered by {side}: {sum(missed.values())} ({tags(missed)})")
    print(f"  capture time openwebrun/browser-use: median {ratio(med('ours_ms'), med('bu_ms'))}, "
          f"total {ratio(total('ours_ms'), total('bu_ms'))}, median per page {per_page_ms:.2f}x   (target <= 0.3x)")
    based = [r for r in rows if "base_tokens" in r]
    if based:
        before, after = sum(r["base_tokens"] for r in based), sum(r["ours_tokens"] for r in based)
        change = 100 * (after - before) / max(before, 1)
        print(f"  openwebrun at {BASELINE['ref']} -> now, same pages in this run: tokens {before} -> {after} "
              f"({change:+.1f} %; target within 10 %), numbered {sum(r['base_elements'] for r in based)} -> "
              f"{sum(r['ours_elements'] for r in based)}, capture ms median {median([r['base_ms'] for r in based]):.1f} -> "
              f"{median([r['ours_ms'] for r in based]):.1f}")
        moved = sorted(based, key=lambda r: abs(r["ours_tokens"] - r["base_tokens"]), reverse=True)[:8]
        print("    largest changes: " + ", ".join(f"{r['page']} {r['base_tokens']}->{r['ours_tokens']}" for r in moved))


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def tags(counts: Counter) -> str:
    return ", ".join(f"{tag} {n}" for tag, n in counts.most_common(6)) or "none"


def dump(rows: list[dict], directory: Path) -> None:
    for r in rows:
        for side, text in r.get("texts", {}).items():
            folder = directory / side
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{r['set']}-{r['page']}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few pages of each set (smoke run)")
    parser.add_argument("--only", nargs="+", default=[], metavar="WORD", help="pages whose path contains a WORD")
    parser.add_argument("--repeat", type=int, default=3, help="captures per page and side; the median is shown")
    parser.add_argument("--json", type=Path, help="write per-page figures here")
    parser.add_argument("--dump", type=Path, help="write every page state text under this folder")
    parser.add_argument("--baseline", metavar="REF", help="also measure openwebrun's serializer at this git revision")
    args = parser.parse_args()
    if args.baseline:
        BASELINE.update(ref=args.baseline, source=baseline_serializer(args.baseline))
    tokens.encoder()  # fail early, before any browser starts, when the rank file is missing
    began = time.perf_counter()
    paths = page_paths(args.quick, args.only)
    if not paths:
        raise SystemExit("no page matches")
    root = site_root()
    try:
        with static_site(root) as base:
            urls = [f"{base}/{p}" for p in paths]
            peer_version, peer = measure_peer(urls, args.repeat)
            ours = asyncio.run(measure_ours(urls, args.repeat, peer))
    finally:
        for link in root.iterdir():
            link.unlink()
        root.rmdir()
    rows = report(paths, urls, ours, peer, peer_version, args.repeat)
    if args.dump:
        dump(rows, args.dump)
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "texts"} for r in rows], indent=1))
    print(f"\nwall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
