"""drag: HTML5 drag and drop and script drags (a sortable list), and its errors."""
from __future__ import annotations

import re

from tests.agent_browser.conftest import line_of, number, open_page, text_of


def drag(index: int, to: int) -> dict:
    return {"action": "drag", "index": index, "to": to}


async def test_html5_drag_and_drop(env, site_url):
    state = await open_page(env, f"{site_url}/drag.html")
    assert re.fullmatch(r'\[\d+\] clickable "Letter" draggable', line_of(state, '"Letter"'))
    assert re.fullmatch(r'\[\d+\] clickable "Bin"', line_of(state, '"Bin"'))  # a drop listener makes a target
    results = await env.execute([drag(number(state, '"Letter"'), number(state, '"Bin"'))])
    assert not results[0].error, results[0]
    assert "dragged" in results[0].message
    assert await text_of(env, "#said") == "dropped letter in bin"


async def test_items_of_a_sortable_list_are_numbered_and_reordered(env, site_url):
    state = await open_page(env, f"{site_url}/drag.html")
    assert re.fullmatch(r'  \[\d+\] clickable "Cherry" draggable', line_of(state, '"Cherry"'))
    results = await env.execute([drag(number(state, '"Cherry"'), number(state, '"Apple"'))])
    assert not results[0].error, results[0]
    assert await text_of(env, "#fruits") == "Cherry\nApple\nBanana"
    state = await env.observe()
    lines = state.text.splitlines()
    assert [line.split('"')[1] for line in lines if "draggable" in line and "Letter" not in line] == \
        ["Cherry", "Apple", "Banana"]
    # downwards: the drop lands past the target's middle, so the item goes after it
    results = await env.execute([drag(number(state, '"Cherry"'), number(state, '"Banana"'))])
    assert not results[0].error, results[0]
    assert await text_of(env, "#fruits") == "Apple\nBanana\nCherry"


async def test_drag_errors(env, site_url):
    state = await open_page(env, f"{site_url}/drag.html")
    results = await env.execute([drag(number(state, '"Letter"'), 999)])
    assert results[0].error and "999" in results[0].error
    # a target below the screen: nothing is dropped, the model is told to scroll
    results = await env.execute([drag(number(state, '"Letter"'), number(state, '"Far bin"'))])
    assert "not on screen together" in results[0].error
    assert await text_of(env, "#said") == "nothing dropped"
    results = await env.execute([{"action": "drag", "index": number(state, '"Letter"')}])
    assert "either to" in results[0].error and "or by" in results[0].error  # neither a target nor an offset
