"""Pointing as a person does: selecting a run of text, clicking, hovering and dragging at a point
inside an element or by an offset, and clicking screenshot coordinates when the model sees one."""
from __future__ import annotations

from openwebrun.agent.actions.catalog import check_action, decision_schema, describe_actions
from tests.agent_browser.conftest import number, open_page, text_of

SELECTION = "() => window.getSelection().toString()"


async def test_select_text_leaves_exactly_that_text_selected(env, site_url):
    state = await open_page(env, f"{site_url}/pointer.html")
    results = await env.execute([{"action": "select_text", "index": None, "text": "quick brown"}])
    assert results[0].message == "selected 'quick brown' on the page", results[0]  # across <b>, by a mouse drag
    assert await env.page.evaluate(SELECTION) == "quick brown"
    results = await env.execute([{"action": "select_text", "text": "FOX jumps   over"}])  # case and spaces
    assert await env.page.evaluate(SELECTION) == "fox jumps over"
    link = number(state, "a link whose words")
    results = await env.execute([{"action": "select_text", "index": link, "text": "words can"}])
    assert "the range was set directly" in results[0].message  # dragging over a link would drag the link
    assert await env.page.evaluate(SELECTION) == "words can"
    assert env.page.url.endswith("/pointer.html")
    note = number(state, "textarea")
    results = await env.execute([{"action": "select_text", "index": note, "text": "beta"}])
    assert results[0].message == "selected 'beta' in the field [2] textarea", results[0]
    assert await env.page.evaluate("() => { const t = document.getElementById('note');"
                                   " return t.value.slice(t.selectionStart, t.selectionEnd); }") == "beta"
    results = await env.execute([{"action": "select_text", "index": link, "text": "quick"}])
    assert "does not contain 'quick'" in results[0].error


async def test_click_and_hover_land_at_the_point_asked(env, site_url):
    state = await open_page(env, f"{site_url}/pointer.html")
    pad = number(state, "id=pad")  # 200 x 100 px
    results = await env.execute([{"action": "click", "index": pad, "at": [30, 40]}])
    assert not results[0].error, results[0]
    assert await text_of(env, "#said") == "click 30,40"
    await env.execute([{"action": "click", "index": pad, "at": [0.25, 0.5]}])  # fractions of its size
    assert await text_of(env, "#said") == "click 50,50"
    await env.execute([{"action": "hover", "index": pad, "at": [10, 0.2]}])  # pixels on x, a fraction on y
    assert await env.page.get_attribute("#pad", "data-hover") == "10,20"
    results = await env.execute([{"action": "click", "index": pad, "at": [250, 10]}])
    assert "outside element" in results[0].error


async def test_drag_by_an_offset_from_a_point(env, site_url):
    state = await open_page(env, f"{site_url}/pointer.html")
    knob = number(state, "id=knob")
    results = await env.execute([{"action": "drag", "index": knob, "by": [100, -50], "at": [5, 6]}])
    assert results[0].message.startswith(f"dragged [{knob}]") and results[0].message.endswith("by (100, -50) px")
    assert await text_of(env, "#moved") == "knob grabbed at 5,6 moved 100,-50"
    state = await env.observe()
    results = await env.execute([{"action": "drag", "index": number(state, "id=knob"), "to": 1, "by": [1, 1]}])
    assert "either to" in results[0].error


async def test_click_at_is_offered_only_with_vision(env, site_url):
    assert "click_at" not in describe_actions() and "click_at" in describe_actions(vision=True)
    assert "click_at" not in str(decision_schema()) and "click_at" in str(decision_schema(vision=True))
    assert "unknown action 'click_at'" in check_action({"action": "click_at", "x": 1, "y": 2})
    assert check_action({"action": "click_at", "x": 1, "y": 2}, vision=True) is None
    await open_page(env, f"{site_url}/pointer.html")
    box = await env.page.locator("#pad").bounding_box()
    click = {"action": "click_at", "x": box["x"] + 12, "y": box["y"] + 34}
    results = await env.execute([click])
    assert "unknown action 'click_at'" in results[0].error  # the env was not told the model sees
    env.vision = True
    results = await env.execute([click])
    assert results[0].message == f"clicked at ({box['x'] + 12:g}, {box['y'] + 34:g}) on div", results[0]
    assert await text_of(env, "#said") == "click 12,34"
    results = await env.execute([{"action": "click_at", "x": 5000, "y": 1}])
    assert "outside the screenshot" in results[0].error
