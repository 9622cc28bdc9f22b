"""Controls whose only sign of being clickable is a listener added by script (the context init
script marks them): numbered, named by text or id/class, and clickable; containers that delegate
clicks are not numbered, and the page cannot tell that it is watched."""
from __future__ import annotations

import re

from tests.agent_browser.conftest import line_of, number, open_page, text_of


async def click(env, index: int) -> None:
    results = await env.execute([{"action": "click", "index": index}])
    assert results[0].error is None, results[0].error


async def test_listener_bound_elements_are_numbered(env, site_url):
    state = await open_page(env, f"{site_url}/script_clicks.html")
    for cell in ("cell-0", "cell-1", "cell-2"):
        assert re.fullmatch(rf"\[\d+\] clickable id={cell}", line_of(state, f"id={cell}"))
    assert re.fullmatch(r'\[\d+\] clickable class="icon reply"', line_of(state, "reply"))
    assert re.fullmatch(r'\[\d+\] clickable class="icon like"', line_of(state, "like"))
    assert re.fullmatch(r'\[\d+\] link "U\.S\."', line_of(state, "U.S.").strip())
    assert re.fullmatch(r'\[\d+\] clickable "Press me"', line_of(state, "Press me"))
    # a link without href is numbered even with no listener of its own (its handler may be delegated);
    # the list and the body only delegate: their items stay text lines
    assert re.fullmatch(r'\[\d+\] link "International"', line_of(state, "International").strip())
    for story in ("First story in the feed", "Second story in the feed"):
        assert line_of(state, story).strip() == story
    # a control with its own listener inside a numbered row is numbered too, indented under it
    assert re.fullmatch(r'\[\d+\] clickable "Mail from Bob: lunch on Friday"', line_of(state, "Mail from Bob"))
    assert re.fullmatch(r'  \[\d+\] clickable class="icon star"', line_of(state, "star"))
    assert state.element_count == 10


async def test_listener_bound_elements_do_what_they_do(env, site_url):
    state = await open_page(env, f"{site_url}/script_clicks.html")
    await click(env, number(state, "id=cell-1"))
    assert await text_of(env, "#said") == "clicked: cell-1"
    assert await text_of(env, "#cell-1") == "X"
    state = await env.observe()
    assert re.fullmatch(r'\[\d+\] clickable "X"', line_of(state, '"X"'))  # its text names it now
    await click(env, number(state, "reply"))
    assert await text_of(env, "#said") == "clicked: reply"
    await click(env, number(state, '"U.S."'))
    assert await text_of(env, "#said") == "clicked: U.S. edition"
    await click(env, number(state, "Press me"))  # an onmousedown property handler
    assert await text_of(env, "#said") == "clicked: press"
    await click(env, number(state, "icon star"))
    assert await text_of(env, "#said") == "clicked: star"
    await click(env, number(state, "Mail from Bob"))
    assert await text_of(env, "#said") == "clicked: open mail"


async def test_the_page_sees_no_trace_of_the_marks(env, site_url):
    await open_page(env, f"{site_url}/script_clicks.html")
    seen = await env.page.evaluate("""() => ({
        native: EventTarget.prototype.addEventListener.toString(),
        attributes: Array.from(document.getElementById("cell-0").attributes).map((a) => a.name),
        keys: Object.keys(window).filter((k) => k.toLowerCase().includes("owr") || k.includes("openwebrun")),
    })""")
    assert "[native code]" in seen["native"]
    assert seen["attributes"] == ["id"] and seen["keys"] == []


async def test_listeners_in_a_frame_are_seen(env, site_url):
    await open_page(env, f"{site_url}/iframe_same.html")
    frame = env.page.frames[1]
    await frame.evaluate("""() => {
        const s = document.createElement("span");
        s.textContent = "Frame star";
        s.addEventListener("click", () => { s.textContent = "Frame starred"; });
        document.body.append(s);
    }""")
    state = await env.observe()
    assert line_of(state, "Frame star").strip().endswith('clickable "Frame star"')
    await click(env, number(state, "Frame star"))
    assert await frame.inner_text("span", timeout=3000) == "Frame starred"
