"""The live view: latency, frame rate and CPU per watched session, over WebRTC and the JPEG WebSocket.

Measured in this run on this machine, against `openwebrun serve` in a subprocess listening on its
end of a veth pair (real Chromium, the scripted LLM holding the task on the page). The viewers are
the player page (webViewURL) in a Playwright Chromium inside a network namespace, as a person on
another machine would watch (WebRTC needs a real network path between two hosts):
- latency: the page paints `Date.now()` as black and white blocks on every animation frame; the
  viewer reads the blocks from each frame it shows (the video element for WebRTC, the canvas for
  JPEG) and subtracts them from its own `Date.now()` (one machine, one clock);
- frames per second shown at the viewer while the page animates;
- CPU: process time of the server and its Chromium processes per second of wall time, for the
  watched session with no viewer, one and four (aiortc WHEP clients, and JPEG WebSocket readers
  asking for frames in parts as the player does, in this process; their own decoding is not
  counted), with the frames per second the first viewer got, and split by process (server,
  Chromium's browser, GPU and renderer processes, Playwright's driver).

Usage: python bench/live_view.py [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from aiortc.mediastreams import MediaStreamError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from bench.stats import pct  # noqa: E402
from openwebrun.browser.launch import QUIET_FLAGS, find_chromium  # noqa: E402
from openwebrun.runtime.live_view import PART_BAR  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support import netns  # noqa: E402
from tests.support.live_view import FrameSocket, WhepClient  # noqa: E402
from tests.support.servers import ServerProcess, descendants, static_site  # noqa: E402

BITS = 42  # Date.now() fits in 42 bits until the year 2109
CLOCK_PAGE = f"""<!doctype html><html><head><title>clock</title><style>
body {{ margin: 0; background: #fff; }} canvas {{ display: block; }}</style></head><body>
<canvas id="c" width="1024" height="445"></canvas><script>
const c = document.getElementById("c").getContext("2d");
function paint() {{
  const now = Date.now();
  c.fillStyle = "#fff"; c.fillRect(0, 0, 1024, 445);
  for (let i = 0; i < {BITS}; i++) {{
    const bit = Math.floor(now / 2 ** i) % 2;
    c.fillStyle = bit ? "#000" : "#fff"; c.fillRect(8 + i * 24, 8, 24, 24);
    c.fillStyle = bit ? "#fff" : "#000"; c.fillRect(8 + i * 24, 40, 24, 24);
  }}
  const x = (now / 4) % 900;  // something moving, as on a busy page
  c.fillStyle = "hsl(" + (now / 10 % 360) + ", 80%, 50%)"; c.fillRect(x, 120, 120, 240);
  requestAnimationFrame(paint);
}}
paint();
</script></body></html>"""

# In the player: read the clock blocks from every frame shown; keep latencies and frame times.
MEASURE = """(bar) => {
  const view = window.liveView;
  const video = document.getElementById("video"), canvas = document.getElementById("canvas");
  const scratch = document.createElement("canvas"); scratch.width = 1024; scratch.height = 80;
  const ctx = scratch.getContext("2d", {willReadFrequently: true});
  window.samples = {latency: [], shown: []};
  const read = (source) => {
    const now = Date.now();
    ctx.drawImage(source, 0, bar, 1024, 80, 0, 0, 1024, 80);
    const pixels = ctx.getImageData(0, 0, 1024, 80).data;
    let ts = 0;
    for (let i = 0; i < %BITS%; i++) {
      const x = 8 + i * 24 + 12;
      const top = pixels[(20 * 1024 + x) * 4], bottom = pixels[(52 * 1024 + x) * 4];
      if ((top < 128) === (bottom < 128)) return;  // not a clean frame of the clock
      if (top < 128) ts += 2 ** i;
    }
    window.samples.latency.push(now - ts);
    window.samples.shown.push(performance.now());
  };
  if (view.transport === "webrtc") {
    const tick = () => { read(video); video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
  } else {
    let last = view.frames;
    const tick = () => { if (view.frames !== last) { last = view.frames; read(canvas); } requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }
}""".replace("%BITS%", str(BITS))


def cpu_seconds(pids: set[int]) -> dict[str, float]:
    """Process time (utime + stime) of `pids`, by part: the server, Chromium, Playwright's driver."""
    tick = os.sysconf("SC_CLK_TCK")
    parts: dict[str, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            part = process_part(Path(f"/proc/{pid}/cmdline").read_bytes())
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parts[part] = parts.get(part, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return parts


def process_part(cmdline: bytes) -> str:
    args = cmdline.replace(b" ", b"\0").split(b"\0")  # Chromium's children rewrite theirs, space-separated
    if b"--type=renderer" in args:
        return "renderer"
    if b"--type=gpu-process" in args:
        return "gpu"
    if any(a.startswith(b"--type=") for a in args):
        return "chromium other"  # utility processes, the zygote
    name = Path(args[0].decode(errors="replace")).name
    if "chrom" in name or "headless_shell" in name:
        return "chromium browser"
    if name == "node" or "playwright" in cmdline.decode(errors="replace").split(" ")[0]:
        return "driver"
    return "server" if "python" in name or "openwebrun" in cmdline.decode(errors="replace") else name


async def cpu_share(server: ServerProcess, seconds: float) -> dict[str, float]:
    """Share of one core used by the server and its children over `seconds`, by part (and "total")."""
    assert server.proc
    pids = {server.proc.pid, *descendants(server.proc.pid)}
    before, start = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(seconds)  # the measurement window itself
    pids = {server.proc.pid, *descendants(server.proc.pid)}
    after, wall = cpu_seconds(pids), time.monotonic() - start
    shares = {part: (after[part] - before.get(part, 0.0)) / wall for part in after}
    shares["total"] = sum(shares.values())
    return shares


def split(shares: dict[str, float], idle: dict[str, float]) -> str:
    """Each part's extra share over `idle`, in % of a core."""
    return ", ".join(f"{part} {(share - idle.get(part, 0.0)) * 100:+.0f}"
                     for part, share in sorted(shares.items()) if part != "total")


async def health(server: ServerProcess) -> dict:
    import httpx
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        return (await client.get("/start/health")).json()["liveView"]


async def player(browser, url: str, transport: str, seconds: float) -> tuple[list[float], float]:
    page = await browser.new_page()
    await page.goto(f"{url}?transport={transport}")
    await page.wait_for_function("window.liveView.frames > 3", timeout=30000)
    await page.evaluate(MEASURE, 155)
    await asyncio.sleep(seconds)  # frames are collected in the page meanwhile
    samples = await page.evaluate("window.samples")
    await page.close()
    shown = samples["shown"]
    fps = (len(shown) - 1) / ((shown[-1] - shown[0]) / 1000) if len(shown) > 1 else 0.0
    return samples["latency"], fps


def read_frames(url: str, stop: threading.Event, count: list[int]) -> None:
    """A JPEG viewer as the player page is one: the frames in parts (bar when it changes, page)."""
    with FrameSocket(url, frames=False) as viewer:
        viewer.ws.send(json.dumps({"type": "frames", "parts": True}))
        while not stop.is_set():
            data = viewer.ws.recv(timeout=15)
            if isinstance(data, bytes) and data[:1] != PART_BAR:
                count[0] += 1


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    why = netns.available()
    if why:
        sys.exit(f"this bench needs a network namespace for its viewer: {why}")
    llm = ScriptedLLM().start()
    tag = llm.script("hold", [{"gate": "hold", "thinking": "", "next_goal": "", "actions": [
        {"action": "done", "success": True, "result": "ok"}]}])
    with tempfile.TemporaryDirectory() as tmp, netns.namespace(7) as ns:
        site_dir = Path(tmp) / "site"
        site_dir.mkdir()
        (site_dir / "clock.html").write_text(CLOCK_PAGE)
        with static_site(site_dir) as site:
            server = ServerProcess(Path(tmp) / "server", {
                "OPENWEBRUN_MODEL": "scripted", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x",
                "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true", "OPENWEBRUN_WAIT_WINDOW_S": "0",
                "OPENWEBRUN_WEBRTC_HOST_ADDRESSES": ns.host_address}, host=ns.host_address).start()
            try:
                with server.client() as api:
                    body = api.post("/start/start-session", json={"task": {
                        "prompt": f"watch {tag}", "startingUrl": f"{site}/clock.html"}}).json()
                llm.gate("hold").wait_arrived()
                view_url, whep_url = body["streaming"]["webViewURL"], body["streaming"]["webRTCURL"]
                await run(server, ns, view_url, whep_url, args.seconds, Path(tmp))
            finally:
                llm.gate("hold").release()
                server.stop()
    llm.stop()


async def run(server: ServerProcess, ns: netns.Namespace, view_url: str, whep_url: str, seconds: float,
              tmp: Path) -> None:
    rows: list[tuple[str, str, str]] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=ns.wrapper(find_chromium() or "chromium", tmp),
                                           args=[*QUIET_FLAGS, "--no-sandbox",
                                                 "--disable-features=WebRtcHideLocalIpsWithMdns"])
        for transport, target in (("jpeg", 150), ("webrtc", 250)):
            latency, fps = await player(browser, view_url, transport, seconds)
            name = "JPEG WebSocket" if transport == "jpeg" else "WebRTC (WHEP)"
            rows.append((f"latency, {name}", f"p50 {statistics.median(latency):.0f} ms, p95 {pct(latency, 95):.0f} ms"
                         f" ({len(latency)} frames)", f"p50 under {target} ms"))
            rows.append((f"frames per second, {name}", f"{fps:.1f}", "at least 20"))
        await browser.close()

    assert (await health(server))["screencasts"] == 0
    idle = await cpu_share(server, seconds)
    parts: list[tuple[str, str]] = []
    rows.append(("CPU, no viewer (page animating)", f"{idle['total'] * 100:.1f} % of a core (screencasts: 0)",
                 "no extra CPU: nothing runs"))
    for count in (1, 4):
        clients = [WhepClient(whep_url, [ns.host_address]) for _ in range(count)]
        for client in clients:
            assert await client.connect() == 201
        counts = [[0] for _ in clients]
        frames = [asyncio.ensure_future(drain(client, n)) for client, n in zip(clients, counts, strict=True)]
        await asyncio.sleep(1)  # the viewers connect and their encoder starts
        counted = counts[0][0]
        share = await cpu_share(server, seconds)
        fps = (counts[0][0] - counted) / seconds
        for job in frames:
            job.cancel()
        for client in clients:
            await client.delete()
            await client.close()
        name = f"CPU, {count} WHEP viewer{'s' if count > 1 else ''}"
        rows.append((name, f"{share['total'] * 100:.1f} % (+{(share['total'] - idle['total']) * 100:.1f} %)"
                           f" at {fps:.0f} fps", "+ under 30 % of a core per session"))
        parts.append((name, split(share, idle)))
    for count in (1, 4):
        stop = threading.Event()
        counts = [[0] for _ in range(count)]
        readers = [threading.Thread(target=read_frames, args=(view_url, stop, n), daemon=True) for n in counts]
        for reader in readers:
            reader.start()
        await asyncio.sleep(1)  # the readers connect and the screencast starts
        counted = counts[0][0]
        share = await cpu_share(server, seconds)
        fps = (counts[0][0] - counted) / seconds
        stop.set()
        name = f"CPU, {count} JPEG viewer{'s' if count > 1 else ''}"
        rows.append((name, f"{share['total'] * 100:.1f} % (+{(share['total'] - idle['total']) * 100:.1f} %)"
                           f" at {fps:.0f} fps", "+ under 30 % of a core per session"))
        parts.append((name, split(share, idle)))
        for reader in readers:
            reader.join(15)
    print(f"\n{'measure':<34} {'figure':<44} target")
    for name, figure, target in rows:
        print(f"{name:<34} {figure:<44} {target}")
    print("\nextra CPU by process over no viewer, % of a core")
    for name, figure in parts:
        print(f"{name:<34} {figure}")


async def drain(client: WhepClient, count: list[int]) -> None:
    with contextlib.suppress(MediaStreamError):  # the viewer was deleted
        while True:
            await client.frame()
            count[0] += 1


if __name__ == "__main__":
    asyncio.run(main())
