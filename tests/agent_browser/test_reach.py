"""What the browser may reach, in real Chromium behind the pool's reach proxy.

The fixture servers are on loopback, so the strict pool (private networks refused) can reach
none of them: every check that a refused request never arrived reads the server's own record.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.browser.launch import find_chromium
from openwebrun.browser.pool import BrowserPool
from openwebrun.browser.reach import Reach
from openwebrun.domain.errors import ErrorCode, TaskFailure
from tests.support.recording_site import recording_site
from tests.support.servers import self_signed_tls

SITE = Path(__file__).resolve().parents[1] / "site"

OTHER_SCHEMES = ["file:///etc/passwd", "file:///", "chrome://version", "devtools://devtools/bundled/inspector.html",
                 "view-source:http://example.com/", "javascript:document.title='x'", "data:text/html,<h1>hi</h1>",
                 "filesystem:http://example.com/temporary/x", "about:version"]

# In-page attempts to reach `base`; each resolves to how it ended (no sleeps: events only).
SUBREQUESTS = """async (base) => {
  const img = new Promise((r) => { const i = new Image(); i.onload = () => r("img loaded");
                                   i.onerror = () => r("img error"); i.src = base + "/files/report.csv?img"; });
  const fetched = fetch(base + "/index.html?fetch").then((r) => "fetch " + r.status, () => "fetch error");
  const beacon = navigator.sendBeacon(base + "/beacon");
  const ws = new Promise((r) => { const w = new WebSocket(base.replace("http", "ws") + "/socket");
                                  w.onopen = () => r("ws open"); w.onerror = () => r("ws error"); });
  const frame = new Promise((r) => { const f = document.createElement("iframe"); f.onload = () => r("frame loaded");
                                     f.src = base + "/index.html?frame"; document.body.append(f); });
  return [await img, await fetched, await ws, await frame, beacon];
}"""


class RefusingSecondLoopback(Reach):
    """Loopback allowed except 127.0.0.2: stands in for an inside host behind an allowed one."""

    def address_refusal(self, address: str, name: str | None = None) -> str | None:
        if address == "127.0.0.2":
            return "127.0.0.2 is refused in this test"
        return super().address_refusal(address, name)


@pytest.fixture(scope="module")
async def strict_pool():
    pool = BrowserPool(find_chromium(), reach=Reach(allow_private=False))
    await pool.start()
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def open_pool():
    pool = BrowserPool(find_chromium(), reach=RefusingSecondLoopback(allow_private=True))
    await pool.start()
    yield pool
    await pool.close()


async def _env(pool: BrowserPool, tmp_path: Path):
    context = await pool.new_context()
    env = BrowserEnv(context, downloads_dir=tmp_path / "downloads", navigation_timeout_ms=10_000, reach=pool.reach)
    return env, context


@pytest.fixture
async def strict_env(strict_pool, tmp_path):
    env, context = await _env(strict_pool, tmp_path)
    yield env
    env.close()
    await strict_pool.release(context)


@pytest.fixture
async def open_env(open_pool, tmp_path):
    env, context = await _env(open_pool, tmp_path)
    yield env
    env.close()
    await open_pool.release(context)


@pytest.fixture
def inside():
    with recording_site(SITE) as site:
        yield site


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return self_signed_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def inside_tls(tls):
    with recording_site(SITE, tls=tls) as site:
        yield site


@pytest.fixture
def second():
    with recording_site(SITE, host="127.0.0.2") as site:
        yield site


async def test_other_schemes_are_refused_with_an_error_the_agent_reads(strict_env):
    for url in OTHER_SCHEMES:
        results = await strict_env.execute([{"action": "navigate", "url": url}])
        assert results[0].error and results[0].error.startswith(f"cannot open {url}: "), (url, results)
        assert "only http: and https: pages can" in results[0].error
        assert strict_env.page.url == "about:blank"
    tabs = len(strict_env.open_pages())
    results = await strict_env.execute([{"action": "open_tab", "url": "file:///etc/passwd"}])
    assert "file: URLs cannot be opened" in results[0].error
    assert len(strict_env.open_pages()) == tabs
    with pytest.raises(TaskFailure) as failure:
        await strict_env.goto("file:///etc/passwd")
    assert failure.value.code == ErrorCode.POLICY_BLOCKED and "file: URLs cannot be opened" in failure.value.message


async def test_loopback_and_a_name_resolving_to_it_are_refused_before_and_at_the_network(strict_env, inside):
    port = inside.url.rsplit(":", 1)[1]
    results = await strict_env.execute([{"action": "navigate", "url": inside.url + "/index.html"}])
    assert "127.0.0.1 is a loopback address" in results[0].error
    results = await strict_env.execute([{"action": "open_tab", "url": f"localhost:{port}/index.html"}])
    assert "localhost (127.0.0.1) is a loopback address" in results[0].error
    with pytest.raises(TaskFailure) as failure:
        await strict_env.goto(f"http://localhost:{port}/")
    assert failure.value.code == ErrorCode.POLICY_BLOCKED

    # what a page asks for goes through the proxy, which refuses it too: by address and by name
    page = await strict_env.ensure_page()
    await page.set_content("<p>outside page</p>")
    for base in (inside.url, f"http://localhost:{port}"):
        outcome = await page.evaluate(SUBREQUESTS, base)
        assert outcome[:3] == ["img error", "fetch error", "ws error"], outcome
    refused_frame = page.frames[1]
    assert "Refused by openwebrun" in await refused_frame.inner_text("body")
    async with page.expect_popup() as popup_info:
        await page.evaluate("url => window.open(url)", f"http://localhost:{port}/index.html?popup")
    popup = await popup_info.value
    await popup.wait_for_load_state()
    assert "localhost (127.0.0.1) is a loopback address" in await popup.inner_text("body")
    async with page.expect_event("requestfinished") as download_request:
        await page.set_content(f'<a id="d" href="{inside.url}/files/report.csv" download>report</a>')
        await page.click("#d")
    assert (await (await download_request.value).response()).status == 403
    assert inside.requests == []


async def test_link_local_is_refused_even_with_private_networks_allowed(open_env, inside):
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"):
        results = await open_env.execute([{"action": "navigate", "url": url}])
        assert "link-local address" in results[0].error and "never reachable" in results[0].error, results
    # a redirect hop is not seen by the check before navigating: the proxy refuses it
    metadata = "http://169.254.169.254/latest/meta-data/"
    results = await open_env.execute([{"action": "navigate", "url": f"{inside.url}/redirect?to={metadata}"}])
    assert results[0].error is None
    state = await open_env.observe()
    assert state.url == metadata
    assert "Refused by openwebrun" in state.text and "link-local address" in state.text
    assert inside.requests == [f"GET /redirect?to={metadata}"]


async def test_a_link_refused_over_https_is_explained_in_the_page_state(open_env, inside):
    refused = "https://127.0.0.2:9443/account"
    await open_env.goto(f"{inside.url}/index.html")
    await open_env.page.set_content(f'<a href="{refused}">my account</a>')
    await open_env.observe()
    results = await open_env.execute([{"action": "click", "index": 1}])
    assert results[0].error is None and results[0].page_changed
    state = await open_env.observe()
    assert state.url.startswith("chrome-error:")
    assert state.text.startswith(f"The browser refused to open {refused}: 127.0.0.2 is refused in this test\n")


async def test_redirects_sockets_and_service_workers_never_reach_a_refused_host(open_env, inside, second):
    results = await open_env.execute([{"action": "navigate", "url": f"{inside.url}/redirect?to={second.url}/index.html"}])
    assert results[0].error is None
    assert "127.0.0.2 is refused in this test" in (await open_env.observe()).text

    await open_env.goto(f"{inside.url}/reach_sw.html?target={second.url}/index.html%3Fsw")
    assert await open_env.page.evaluate("window.registered") == "ready"
    assert "GET /reach_sw.js?target=" in " ".join(inside.requests)
    outcome = await open_env.page.evaluate(SUBREQUESTS, second.url)
    assert outcome[:3] == ["img error", "fetch error", "ws error"], outcome
    assert second.requests == []


async def test_webrtc_sends_no_udp(strict_env):
    received: list[bytes] = []

    class Collect(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr) -> None:
            received.append(data)

    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(Collect, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        page = await strict_env.ensure_page()
        await page.set_content("<p>rtc</p>")
        state = await page.evaluate("""async (port) => {
          const pc = new RTCPeerConnection({iceServers: [{urls: "stun:127.0.0.1:" + port}]});
          pc.createDataChannel("x");
          const gathered = new Promise((r) => pc.addEventListener("icegatheringstatechange",
                                                                  () => pc.iceGatheringState === "complete" && r()));
          await pc.setLocalDescription(await pc.createOffer());
          await gathered;
          return pc.iceGatheringState;
        }""", port)
        assert state == "complete"
        assert received == []
    finally:
        transport.close()


async def test_https_goes_through_a_tunnel_to_allowed_hosts_only(open_pool, strict_pool, inside_tls):
    for pool, allowed in ((open_pool, True), (strict_pool, False)):
        context = await pool.new_context(ignore_https_errors=True)
        try:
            page = await context.new_page()
            if allowed:
                await page.goto(f"{inside_tls.url}/list.html")
                assert await page.title() == "Books"
            else:
                with pytest.raises(PlaywrightError, match="ERR_TUNNEL_CONNECTION_FAILED"):
                    await page.goto(f"{inside_tls.url}/list.html?strict")
        finally:
            await pool.release(context)
    assert "GET /list.html" in inside_tls.requests  # (and maybe its favicon)
    assert not any("strict" in r for r in inside_tls.requests)
