"""The live view: stream URLs with a view token, JPEG frames over the page's socket, WHEP with aiortc,
the drawn browser bar, the player page in a real browser with takeover, and the end of a session."""
from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from openwebrun.browser.stream_bar import BAR, BarState, Tab, draw_bar
from tests.e2e.conftest import act, done, poll_until_finished, script, terminate, wait_until
from tests.support.live_view import PAGE_POINT, FrameSocket, WhepClient, colour_name
from tests.support.reverse_proxy import reverse_proxy
from tests.support.servers import free_port

LOOPBACK = ("127.0.0.1",)  # the host candidates of this module's WHEP viewers
IDLE = {"screencasts": 0, "viewers": 0, "whepViewers": 0, "encoders": 0}
TOKEN = re.compile(r"/stream/([\w-]+)/([\w-]{22})$")


@pytest.fixture(scope="module")
def server(make_server):
    # Host candidates on loopback only: the WHEP peers of this module talk over 127.0.0.1.
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="0", OPENWEBRUN_WEBRTC_HOST_ADDRESSES="127.0.0.1")


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


def open_session(api: httpx.Client, llm, rsite, steps: list[dict], page: str = "live_colour.html") -> dict:
    tag = script(llm, steps)
    body = api.post("/start/start-session", json={"initialTask": {
        "taskDetails": f"watch {tag}", "startingPoint": f"{rsite.url}/{page}"}}).json()
    assert body["success"], body
    return body


def held_step(name: str) -> dict:
    """A step whose answer waits for the test: the agent stays on the page meanwhile."""
    return {"gate": name, **done("released")}


def live_view(api: httpx.Client) -> dict:
    return api.get("/start/health").json()["liveView"]


def colour_of(image: Image.Image) -> str | None:
    return colour_name(image.getpixel(PAGE_POINT))


def test_stream_urls_carry_a_view_token_and_nothing_runs_unwatched(api, llm, rsite, server):
    gate = f"urls-{time.monotonic_ns()}"
    body = open_session(api, llm, rsite, [held_step(gate)])
    sid, streaming = body["sessionId"], body["streaming"]
    try:
        llm.gate(gate).wait_arrived()
        view = TOKEN.search(streaming["webViewURL"])
        assert view and view.group(1) == sid, streaming
        assert streaming["webViewURL"].startswith(server.base_url)
        assert streaming["webRTCURL"] == streaming["webViewURL"] + "/whep"
        assert streaming["dimensions"] == {"width": 1024, "height": 600}
        # The agent works on an animating page, but nobody watches: no screencast.
        assert live_view(api) == IDLE

        page = httpx.get(streaming["webViewURL"])
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "x-frame-options" not in page.headers  # embeddable
        wrong = streaming["webViewURL"][:-22] + "A" * 22
        assert httpx.get(wrong).status_code == 401
        assert httpx.post(wrong + "/whep", content="v=0", headers={"Content-Type": "application/sdp"}).status_code == 401
        missing = streaming["webViewURL"].rsplit("/", 1)[0]
        assert httpx.get(missing).status_code in (401, 404)
        other = api.post("/start/start-session", json={}).json()
        foreign = f"{server.base_url}/stream/{other['sessionId']}/{view.group(2)}"  # this session's token
        assert httpx.get(foreign).status_code == 401
        terminate(api, other["sessionId"])
        assert httpx.post(streaming["webRTCURL"], content="v=0",
                          headers={"Content-Type": "text/plain"}).status_code == 415
        assert httpx.post(streaming["webRTCURL"], content="not an offer",
                          headers={"Content-Type": "application/sdp"}).status_code == 400
        options = httpx.options(streaming["webRTCURL"], headers={"Origin": "https://elsewhere.example",
                                                                 "Access-Control-Request-Method": "POST"})
        assert options.status_code == 204 and options.headers["access-control-allow-origin"] == "*"
        assert "application/sdp" in options.headers["accept-post"]
    finally:
        llm.gate(gate).release()
        terminate(api, sid)


@pytest.mark.parametrize("parts", [False, True], ids=["composed", "parts"])
def test_jpeg_frames_follow_the_page_and_stop_with_the_last_viewer(api, llm, rsite, parts):
    gate = f"jpeg-{time.monotonic_ns()}"
    body = open_session(api, llm, rsite, [held_step(gate)])
    sid = body["sessionId"]
    try:
        llm.gate(gate).wait_arrived()
        with FrameSocket(body["streaming"]["webViewURL"], parts=parts) as viewer:
            assert viewer.message("hello")["state"] == "running"
            first = viewer.frame_where(lambda f: colour_of(f) is not None)
            assert first.size == (1024, 600)
            seen = {colour_of(first)}
            viewer.frame_where(lambda f: colour_of(f) not in (None, *seen))  # the page changed colour: live
            if parts:  # the page changed, the bar did not: it came once
                assert viewer.bars == 1
                assert differs(viewer.bar, draw_bar(BarState((Tab("Colour clock", True),),
                                                             f"{rsite.url}/live_colour.html", "agent"))) < 2
            assert live_view(api)["screencasts"] == 1
            with FrameSocket(body["streaming"]["webViewURL"], parts=parts) as second:
                second.frame_where(lambda f: colour_of(f) is not None)
                assert live_view(api) == {"screencasts": 1, "viewers": 2, "whepViewers": 0, "encoders": 0}
        wait_until(lambda: live_view(api)["screencasts"] == 0, timeout=15)
        assert live_view(api)["viewers"] == 0
    finally:
        llm.gate(gate).release()
        terminate(api, sid)


def bar_of(frame: Image.Image) -> Image.Image:
    return frame.crop((0, 0, 1024, BAR))


def differs(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel (0-255)."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("parts", [False, True], ids=["composed", "parts"])
def test_the_drawn_bar_shows_the_url_the_tabs_and_who_is_in_control(api, llm, rsite, parts):
    first, second = f"bar1-{time.monotonic_ns()}", f"bar2-{time.monotonic_ns()}"
    body = open_session(api, llm, rsite, [
        {"gate": first, **act({"action": "click", "index": {"$find": "Open another tab"}}, goal="open a tab")},
        held_step(second)])
    sid = body["sessionId"]
    url = f"{rsite.url}/live_colour.html"
    one_tab = draw_bar(BarState((Tab("Colour clock", True),), url, "agent"))
    two_tabs = draw_bar(BarState((Tab("Colour clock", False), Tab("Second tab", True)),
                                 f"{rsite.url}/live_other.html", "agent"))
    taken = draw_bar(BarState((Tab("Colour clock", False), Tab("Second tab", True)),
                              f"{rsite.url}/live_other.html", "human"))
    assert differs(one_tab, two_tabs) > 3 and differs(two_tabs, taken) > 3  # the expectations tell them apart
    try:
        llm.gate(first).wait_arrived()
        with FrameSocket(body["streaming"]["webViewURL"], parts=parts) as viewer:
            viewer.frame_where(lambda f: differs(bar_of(f), one_tab) < 2)
            llm.gate(first).release()
            llm.gate(second).wait_arrived()
            frame = viewer.frame_where(lambda f: differs(bar_of(f), two_tabs) < 2)
            assert colour_of(frame) is None  # the second tab's page is shown, not the colour clock
            assert api.post("/start/send-message", json={"sessionId": sid, "message": {
                "actionType": "interaction", "action": {"type": "takeOverControl"}}}).status_code == 200
            viewer.frame_where(lambda f: differs(bar_of(f), taken) < 2)
    finally:
        llm.gate(second).release()
        terminate(api, sid)


async def test_whep_viewer_gets_video_and_delete_ends_it(api, llm, rsite):
    gate = f"whep-{time.monotonic_ns()}"
    body = await asyncio.to_thread(open_session, api, llm, rsite, [held_step(gate)])
    sid = body["sessionId"]
    try:
        await asyncio.to_thread(llm.gate(gate).wait_arrived)
        client = WhepClient(body["streaming"]["webRTCURL"], LOOPBACK)
        assert await client.connect() == 201
        assert client.location.startswith(body["streaming"]["webRTCURL"] + "/")
        assert client.answer_headers["content-type"].startswith("application/sdp")
        first = await client.frame_where(lambda f: colour_of(f) is not None)
        assert first.size == (1024, 600)
        await client.frame_where(lambda f: colour_of(f) not in (None, colour_of(first)))
        second = WhepClient(body["streaming"]["webRTCURL"], LOOPBACK)  # joins a running stream: starts at a keyframe
        assert await second.connect() == 201
        await second.frame_where(lambda f: colour_of(f) is not None)
        counts = await asyncio.to_thread(live_view, api)
        assert counts == {"screencasts": 1, "viewers": 2, "whepViewers": 2, "encoders": 1}  # one encoder for both
        assert await client.delete() == 200
        assert await client.delete() == 404
        await client.close()
        await second.frame_where(lambda f: colour_of(f) is not None)  # the other viewer goes on
        assert await second.delete() == 200
        await second.close()
        await asyncio.to_thread(wait_until, lambda: live_view(api) == IDLE, 15)
    finally:
        llm.gate(gate).release()
        await asyncio.to_thread(terminate, api, sid)


async def test_an_ended_session_closes_its_viewers_and_its_urls(api, llm, rsite):
    gate = f"end-{time.monotonic_ns()}"
    body = await asyncio.to_thread(open_session, api, llm, rsite, [held_step(gate)])
    sid, streaming = body["sessionId"], body["streaming"]
    await asyncio.to_thread(llm.gate(gate).wait_arrived)
    client = WhepClient(streaming["webRTCURL"], LOOPBACK)
    assert await client.connect() == 201
    await client.frame_where(lambda f: colour_of(f) is not None)
    viewer = await asyncio.to_thread(FrameSocket, streaming["webViewURL"], False)
    assert (await asyncio.to_thread(viewer.message, "hello"))["sessionId"] == sid
    await asyncio.to_thread(terminate, api, sid)
    ended = await asyncio.to_thread(viewer.message, "end_session")
    assert ended["reason"] == "terminated"
    await client.wait_state("closed", "failed")
    await client.close()
    viewer.close()
    llm.gate(gate).release()
    assert (await asyncio.to_thread(httpx.get, streaming["webViewURL"])).status_code == 401
    again = WhepClient(streaming["webRTCURL"], LOOPBACK)
    assert await again.connect() == 401
    await again.close()


def test_task_finishes_while_watched(api, llm, rsite):
    """Watching does not change what the agent does: the task ends as it would unwatched."""
    body = open_session(api, llm, rsite, [done("seen")])
    with FrameSocket(body["streaming"]["webViewURL"]) as viewer:
        result = poll_until_finished(api, body["sessionId"], body["taskId"])
        assert result["status"] == "completed", result
        assert viewer.message("task_completed")["taskId"] == body["taskId"]
    terminate(api, body["sessionId"])


async def test_whep_works_behind_a_reverse_proxy_under_a_path_prefix(make_server, llm, rsite):
    port = free_port()
    server = await asyncio.to_thread(make_server, OPENWEBRUN_WAIT_WINDOW_S="0",
                                     OPENWEBRUN_WEBRTC_HOST_ADDRESSES="127.0.0.1",
                                     OPENWEBRUN_PUBLIC_URL=f"http://127.0.0.1:{port}/owr")
    with reverse_proxy(port, "/owr", server.base_url) as public, server.client() as api:
        held = f"proxied-whep-{time.monotonic_ns()}"
        body = await asyncio.to_thread(open_session, api, llm, rsite, [held_step(held)])
        try:
            await asyncio.to_thread(llm.gate(held).wait_arrived)
            assert body["streaming"]["webRTCURL"].startswith(public + "/stream/")
            client = WhepClient(body["streaming"]["webRTCURL"], LOOPBACK)
            assert await client.connect() == 201
            assert client.location.startswith(public + "/stream/")
            await client.frame_where(lambda f: colour_of(f) is not None)
            assert await client.delete() == 200
            await client.close()
        finally:
            llm.gate(held).release()
            await asyncio.to_thread(terminate, api, body["sessionId"])
