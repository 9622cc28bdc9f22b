"""Page-level actions: navigate, go_back, keys, scrolling, waiting, read_page, done; goto failures."""
from __future__ import annotations

import re
import socket
import time

import pytest

from openwebrun.domain.errors import ErrorCode, TaskFailure
from tests.agent_browser.conftest import LOOPBACK_ALLOWED, number, open_page, text_of


async def test_navigate_and_go_back(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    results = await env.execute([{"action": "navigate", "url": f"{site_url}/form.html"}, {"action": "go_back"}])
    assert len(results) == 1 and results[0].page_changed and "opened" in results[0].message
    assert env.page.url.endswith("/form.html")
    results = await env.execute([{"action": "go_back"}])
    assert results[0].error is None and env.page.url.endswith("/list.html")
    results = await env.execute([{"action": "go_back"}])  # the blank page the tab started with
    assert results[0].message == "went back to about:blank"
    results = await env.execute([{"action": "go_back"}])
    assert results[0].error == "there is no previous page in this tab"
    assert [v.url.rsplit("/", 1)[1] for v in env.visited_urls] == ["list.html", "form.html", "list.html"]


async def test_navigate_to_a_closed_port_is_an_error(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    results = await env.execute([{"action": "navigate", "url": f"http://127.0.0.1:{port}/"}])
    assert "could not open" in results[0].error and "ERR_CONNECTION_REFUSED" in results[0].error


async def test_goto_failure_raises_navigation_timeout(browser, tmp_path):
    from openwebrun.agent.browser_env import BrowserEnv

    context = await browser.new_context()
    env = BrowserEnv(context, downloads_dir=tmp_path, navigation_timeout_ms=2000, reach=LOOPBACK_ALLOWED)
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with pytest.raises(TaskFailure) as failure:
            await env.goto(f"http://127.0.0.1:{port}/nothing")
        assert failure.value.code == ErrorCode.NAVIGATION_TIMEOUT
        assert "after 3 attempts" in failure.value.message
    finally:
        env.close()
        await context.close()


async def test_press_key_submits_and_combos(env, site_url):
    state = await open_page(env, f"{site_url}/flow1.html")
    await env.execute([{"action": "type", "index": number(state, '"City"'), "text": "Rome", "submit": False}])
    results = await env.execute([{"action": "press_key", "keys": "Control+A"}, {"action": "press_key", "keys": "Backspace"}])
    assert [r.error for r in results] == [None, None]
    assert await env.page.input_value("#city") == ""
    await env.page.keyboard.type("Bern")
    results = await env.execute([{"action": "press_key", "keys": "Enter"}])
    assert results[0].page_changed and env.page.url.endswith("flow2.html?city=Bern")
    results = await env.execute([{"action": "press_key", "keys": "Hyperdrive"}])
    assert "cannot press 'Hyperdrive'" in results[0].error


async def test_scroll_and_scroll_to_text(env, site_url):
    await open_page(env, f"{site_url}/long.html")
    results = await env.execute([{"action": "scroll", "direction": "down", "pages": 1}])
    assert results[0].error is None and "scrolled the page down 445 px" in results[0].message
    assert await env.page.evaluate("scrollY") == 445
    await env.execute([{"action": "scroll", "direction": "up", "pages": 5}])
    assert await env.page.evaluate("scrollY") == 0
    results = await env.execute([{"action": "scroll", "direction": "up", "pages": 1}])
    assert "already at the top" in results[0].message
    results = await env.execute([{"action": "scroll_to_text", "text": "secret word is"}])
    assert results[0].error is None
    state = await env.observe()
    assert "The secret word is marmalade." in state.text
    results = await env.execute([{"action": "click", "index": number(state, "Bottom button")}])
    assert await text_of(env, "#bottom") == "Bottom clicked"
    results = await env.execute([{"action": "scroll_to_text", "text": "no such words anywhere"}])
    assert "was not found" in results[0].error


async def test_scroll_inside_a_scrollable_area(env, site_url):
    state = await open_page(env, f"{site_url}/scroll_area.html")
    assert "Message 60" not in state.text
    results = await env.execute([{"action": "scroll", "direction": "down", "pages": 10}])
    assert "scrolled the scrollable area down" in results[0].message
    assert await env.page.evaluate("document.getElementById('inbox').scrollTop") > 0
    state = await env.observe()
    assert "Message 60" in state.text


async def test_wait_and_wait_for(env, site_url):
    await open_page(env, f"{site_url}/redirect.html")
    results = await env.execute([{"action": "wait_for", "what": "navigation"}])
    assert results[0].error is None and results[0].page_changed
    assert env.page.url.endswith("flow_done.html?from=redirect")
    results = await env.execute([{"action": "wait_for", "what": "network_idle"}])
    assert results[0].error is None
    started = time.monotonic()
    results = await env.execute([{"action": "wait", "seconds": 0.3}])
    assert results[0].message == "waited 0.3 s" and time.monotonic() - started >= 0.3


async def test_read_page_gives_markdown(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    results = await env.execute([{"action": "read_page"}])
    text = results[0].message
    assert text.startswith("# Books (")
    assert "# Books in stock" in text
    assert re.search(r"- \[Dune\]\(http://127\.0\.0\.1:\d+/flow1\.html\?book=dune\) — Frank Herbert", text)
    assert "| Title | Copies |" in text and "| Dune | 4 |" in text
    results = await env.execute([{"action": "navigate", "url": f"{site_url}/iframe_same.html"}])
    results = await env.execute([{"action": "read_page"}])
    assert "## Frame" in results[0].message and "Inside the frame" in results[0].message


async def test_done_stops_the_batch(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    results = await env.execute([{"action": "done", "success": True, "result": [{"title": "Dune"}]},
                                 {"action": "navigate", "url": f"{site_url}/form.html"}])
    assert len(results) == 1 and results[0].done and results[0].success
    assert results[0].output == [{"title": "Dune"}]
    assert env.page.url.endswith("/list.html")
