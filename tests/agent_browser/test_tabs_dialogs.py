"""Tabs (target=_blank, window.open, open/switch/close) and JS dialogs kept open until answered."""
from __future__ import annotations

import time

import pytest

from tests.agent_browser.conftest import number, open_page, text_of


async def test_link_with_target_blank_opens_and_activates_a_tab(env, site_url):
    state = await open_page(env, f"{site_url}/tabs.html")
    results = await env.execute([{"action": "click", "index": number(state, "Open in new tab")},
                                 {"action": "click", "index": number(state, "Open with script")}])
    assert len(results) == 1 and results[0].page_changed
    state = await env.observe()
    assert [t["active"] for t in state.tabs] == [False, True]
    assert state.url.endswith("/tab_target.html?via=link")
    assert "opened via link" in state.text
    assert state.text.splitlines()[0].startswith("Tabs: [0] Tabs | [1]* New tab")
    assert any(v.url.endswith("tab_target.html?via=link") for v in env.visited_urls)


async def test_window_open_switch_and_close_tabs(env, site_url):
    state = await open_page(env, f"{site_url}/tabs.html")
    await env.execute([{"action": "click", "index": number(state, "Open with script")}])
    state = await env.observe()
    assert len(state.tabs) == 2 and "opened via script" in state.text
    results = await env.execute([{"action": "switch_tab", "tab": 0}])
    assert results[0].error is None
    state = await env.observe()
    assert state.url.endswith("/tabs.html") and state.tabs[0]["active"]
    results = await env.execute([{"action": "close_tab", "tab": 1}])
    assert results[0].error is None
    state = await env.observe()
    assert len(state.tabs) == 1 and state.url.endswith("/tabs.html")
    results = await env.execute([{"action": "switch_tab", "tab": 5}])
    assert "no tab 5" in results[0].error


async def test_open_tab_then_close_active_tab(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    results = await env.execute([{"action": "open_tab", "url": f"{site_url}/form.html"}])
    assert results[0].error is None and results[0].page_changed
    state = await env.observe()
    assert state.title == "Sign-up form" and len(state.tabs) == 2
    await env.execute([{"action": "close_tab", "tab": 1}])
    state = await env.observe()
    assert state.title == "Books" and len(state.tabs) == 1


async def test_alert_stays_open_until_answered(env, site_url):
    state = await open_page(env, f"{site_url}/dialogs.html")
    results = await env.execute([{"action": "click", "index": number(state, "Show alert")},
                                 {"action": "click", "index": number(state, "Ask confirm")}])
    assert len(results) == 1 and results[0].page_changed
    state = await env.observe()
    assert state.dialog == "Hello from alert"
    assert 'A JavaScript alert dialog is open: "Hello from alert"' in state.text
    results = await env.execute([{"action": "click", "index": 1}])
    assert "dialog is open" in results[0].error
    with pytest.raises(RuntimeError):
        await env.screenshot_jpeg()
    results = await env.execute([{"action": "dialog", "accept": True, "text": None}])
    assert results[0].error is None
    assert await text_of(env, "#r") == "alert closed"
    assert (await env.observe()).dialog is None


@pytest.mark.parametrize("accept, expected", [(True, "confirmed"), (False, "cancelled")])
async def test_confirm_accept_or_dismiss(env, site_url, accept, expected):
    state = await open_page(env, f"{site_url}/dialogs.html")
    await env.execute([{"action": "click", "index": number(state, "Ask confirm")}])
    state = await env.observe()
    assert "confirm dialog is open" in state.text
    await env.execute([{"action": "dialog", "accept": accept, "text": None}])
    assert await text_of(env, "#r") == expected


async def test_prompt_takes_text(env, site_url):
    state = await open_page(env, f"{site_url}/dialogs.html")
    await env.execute([{"action": "click", "index": number(state, "Ask prompt")}])
    state = await env.observe()
    assert '"Your name?" (default text "nobody")' in state.text
    results = await env.execute([{"action": "dialog", "accept": True, "text": "Zoe"}])
    assert results[0].error is None
    assert await text_of(env, "#r") == "name: Zoe"
    results = await env.execute([{"action": "dialog", "accept": True, "text": None}])
    assert "no JavaScript dialog is open" in results[0].error


async def test_alert_while_loading_does_not_hold_goto(env, site_url):
    started = time.monotonic()
    await env.goto(f"{site_url}/alert_on_load.html")
    assert time.monotonic() - started < 5  # not the 10 s navigation timeout
    state = await env.observe()
    assert 'A JavaScript alert dialog is open: "Cookies are used here"' in state.text
    results = await env.execute([{"action": "dialog", "accept": True, "text": None}])
    assert results[0].error is None
    state = await env.observe()
    assert "The rest of the page loaded after the alert." in state.text
    results = await env.execute([{"action": "click", "index": number(state, "Continue")}])
    assert results[0].error is None
    assert await text_of(env, "#after") == "button pressed"


async def test_goto_replaces_a_page_whose_dialog_was_left_open(env, site_url):
    await env.goto(f"{site_url}/alert_on_load.html")
    await env.goto(f"{site_url}/form.html")
    state = await env.observe()
    assert state.dialog is None and state.title == "Sign-up form"
