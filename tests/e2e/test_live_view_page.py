"""The player page (webViewURL) in a real browser: JPEG frames, takeover from the picture, and
WebRTC through WHEP from a viewer on another host (a network namespace)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from openwebrun.browser.launch import QUIET_FLAGS, find_chromium
from openwebrun.browser.stream_bar import CONTROL_COLOURS
from tests.e2e.conftest import act, done, poll_until_finished, script, terminate
from tests.support import netns
from tests.support.live_view import PAGE_POINT, colour_name
from tests.support.reverse_proxy import reverse_proxy
from tests.support.servers import free_port

VIEWER_FLAGS = [*QUIET_FLAGS, "--no-sandbox", "--autoplay-policy=no-user-gesture-required",
                # host candidates as addresses, not mDNS names (the server cannot resolve those)
                "--disable-features=WebRtcHideLocalIpsWithMdns"]


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def viewer_browser(pw) -> Iterator[Browser]:
    browser = pw.chromium.launch(executable_path=find_chromium(), args=VIEWER_FLAGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def viewer(viewer_browser) -> Iterator[Page]:
    context = viewer_browser.new_context(viewport={"width": 1400, "height": 800})
    yield context.new_page()
    context.close()


def start(api, llm, rsite, steps) -> dict:
    tag = script(llm, steps)
    body = api.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"watch {tag}", "startingPoint": f"{rsite.url}/live_colour.html"}}).json()
    assert body["success"], body
    return body


PIXEL = """([x, y]) => {
  const view = window.liveView;
  const source = view.transport === "jpeg" ? document.getElementById("canvas") : document.getElementById("video");
  if (view.frames === 0 || (source.videoWidth === 0 && view.transport !== "jpeg")) return null;
  const canvas = document.createElement("canvas");
  canvas.width = 1024; canvas.height = 600;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(source, 0, 0, 1024, 600);
  return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
}"""


def colours_seen(page: Page, want: int = 2, timeout_s: float = 20) -> set[str]:
    """The fixture page's colours as the player shows them, until `want` different ones are seen."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while len(seen) < want:
        assert time.monotonic() < deadline, f"saw only {seen} in {timeout_s}s"
        page.wait_for_function("n => window.liveView.frames > n", arg=page.evaluate("window.liveView.frames"),
                               timeout=timeout_s * 1000)
        rgb = page.evaluate(PIXEL, list(PAGE_POINT))
        if rgb and (name := colour_name(tuple(rgb))):
            seen.add(name)
    return seen


def click_stream(page: Page, x: float, y: float, count: int = 1) -> None:
    """Click the picture where stream pixel (x, y) is shown."""
    box = page.locator("#surface").bounding_box()
    assert box
    page.mouse.click(box["x"] + x * box["width"] / 1024, box["y"] + y * box["height"] / 600, click_count=count)


@pytest.fixture(scope="module")
def api(make_server):
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_LIVE_VIEW_FALLBACK_MS="2000",
                         OPENWEBRUN_WEBRTC_HOST_ADDRESSES="127.0.0.1")
    with server.client() as client:
        yield client


def test_the_page_plays_jpeg_frames_and_takeover_reaches_the_page(api, llm, rsite, viewer):
    held, after = f"page-{time.monotonic_ns()}", f"after-{time.monotonic_ns()}"
    body = start(api, llm, rsite, [{"gate": held, **act({"action": "wait", "seconds": 0}, goal="wait")},
                                   {"gate": after, **done("handed back")}])
    sid = body["sessionId"]
    try:
        llm.gate(held).wait_arrived()
        viewer.goto(body["streaming"]["webViewURL"] + "?transport=jpeg")
        assert len(colours_seen(viewer)) >= 2
        assert viewer.evaluate("window.liveView.transport") == "jpeg"
        # the bar comes as a part of its own: drawn above the page, saying the agent is in control
        strip = viewer.evaluate(PIXEL, [600, 17])
        assert all(abs(a - b) <= 30 for a, b in zip(strip, CONTROL_COLOURS["agent"], strict=True)), strip

        viewer.get_by_role("button", name="Take over").click()
        viewer.wait_for_function("window.liveView.state === 'taken_over'")
        llm.gate(held).release()  # the agent's next step waits for the person

        click_stream(viewer, 500, 155 + 250)  # the fixture's Target button at page (500, 250)
        clicked = rsite.wait_report("click")
        assert abs(clicked["x"] - 500) <= 1 and abs(clicked["y"] - 250) <= 1, clicked
        click_stream(viewer, 520, 155 + 260, count=2)
        double = rsite.wait_report("dblclick")
        assert abs(double["x"] - 520) <= 1 and abs(double["y"] - 260) <= 1, double

        click_stream(viewer, 190, 155 + 55)  # into the text field
        viewer.keyboard.type("hello")
        assert rsite.wait_report("input", value="hello")
        viewer.keyboard.press("Backspace")
        assert rsite.wait_report("input", value="hell")
        viewer.keyboard.press("Enter")
        assert rsite.wait_report("enter", value="hell")
        assert viewer.evaluate("window.liveView.errors") == []

        viewer.get_by_role("button", name="Release").click()
        llm.gate(after).wait_arrived()
        llm.gate(after).release()
        result = poll_until_finished(api, sid, body["taskId"])
        assert result["status"] == "completed", result
        viewer.locator("#steps").get_by_text("Task completed.").wait_for()
    finally:
        llm.gate(held).release()
        llm.gate(after).release()
        terminate(api, sid)
    viewer.wait_for_function("window.liveView.ended === true")


@pytest.fixture(scope="module")
def remote():
    """A viewer host of its own (a network namespace) and a server reachable from it."""
    why = netns.available()
    if why:
        pytest.skip(why)
    with netns.namespace() as ns:
        yield ns


def test_the_page_plays_webrtc_for_a_viewer_on_another_host(make_server, llm, rsite, remote, pw, tmp_path):
    server = make_server(host=remote.host_address, OPENWEBRUN_WAIT_WINDOW_S="0",
                         OPENWEBRUN_WEBRTC_HOST_ADDRESSES=remote.host_address)
    with server.client() as api:
        held = f"rtc-{time.monotonic_ns()}"
        body = start(api, llm, rsite, [{"gate": held, **done("watched")}])
        llm.gate(held).wait_arrived()
        chromium = find_chromium()
        assert chromium
        browser = pw.chromium.launch(executable_path=remote.wrapper(chromium, tmp_path), args=VIEWER_FLAGS)
        try:
            page = browser.new_page()
            page.goto(body["streaming"]["webViewURL"] + "?transport=webrtc")
            assert len(colours_seen(page, timeout_s=30)) >= 2
            assert page.evaluate("window.liveView.transport") == "webrtc"
            assert api.get("/start/health").json()["liveView"]["whepViewers"] == 1
        finally:
            browser.close()
            llm.gate(held).release()
            terminate(api, body["sessionId"])


def test_the_page_works_behind_a_reverse_proxy_under_a_path_prefix(make_server, llm, rsite, viewer):
    port = free_port()
    server = make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_PUBLIC_URL=f"http://127.0.0.1:{port}/owr/")
    with reverse_proxy(port, "/owr", server.base_url) as public, server.client() as api:
        held = f"proxied-{time.monotonic_ns()}"
        body = start(api, llm, rsite, [{"gate": held, **done("watched")}])
        try:
            llm.gate(held).wait_arrived()
            assert body["streaming"]["webViewURL"].startswith(public + "/stream/")
            viewer.goto(body["streaming"]["webViewURL"] + "?transport=jpeg")
            assert len(colours_seen(viewer)) >= 2
        finally:
            llm.gate(held).release()
            terminate(api, body["sessionId"])
        viewer.wait_for_function("window.liveView.ended === true")
