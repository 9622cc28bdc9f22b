"""Observation gaps found by the MiniWoB++ bench: inline text joined as the page shows it, exact
field values, names for icon-only controls and icons in text, clickable SVG shapes, and labels
written after their field."""
from __future__ import annotations

import re

from tests.agent_browser.conftest import line_of, number, open_page, text_of


def click(index: int) -> dict:
    return {"action": "click", "index": index}


async def test_inline_text_is_joined_without_invented_spaces(env, site_url):
    state = await open_page(env, f"{site_url}/obs_text.html")
    lines = state.text.splitlines()
    assert 'Type "hello" and then press Submit.' in lines
    assert "6gHF" in lines  # per-letter inline-block spans
    assert "Two words on two lines, and one emphasis." in lines  # <br> and whitespace nodes are spaces
    assert "Home About" in lines  # inline blocks set apart by margins stay separate words


async def test_field_values_are_shown_exactly(env, site_url):
    state = await open_page(env, f"{site_url}/obs_text.html")
    assert line_of(state, "textarea").endswith('value="keep the trailing space "')
    assert line_of(state, "two  spaces").endswith('value="  two  spaces"')
    copy = number(state, "textarea")
    results = await env.execute([{"action": "type", "index": copy, "text": "line one\nline two ", "submit": False}])
    assert not results[0].error, results[0]
    state = await env.observe()
    assert line_of(state, "textarea").endswith(r'value="line one\nline two "')


async def test_icon_only_controls_and_icons_in_text_have_names(env, site_url):
    state = await open_page(env, f"{site_url}/obs_text.html")
    assert "Click the item with the [icon ui-icon-seek-start] icon." in state.text.splitlines()
    assert re.fullmatch(r'  \[\d+\] clickable "Prev" icon=ui-icon-seek-start', line_of(state, '"Prev"'))
    assert re.fullmatch(r'  \[\d+\] clickable "Save" icon=ui-icon-disk', line_of(state, '"Save"'))
    assert re.fullmatch(r'\[\d+\] clickable class="trash"', line_of(state, 'class="trash"'))
    assert re.fullmatch(r'\[\d+\] clickable "Delete forever"', line_of(state, "Delete forever"))
    assert re.fullmatch(r'\[\d+\] clickable id=back', line_of(state, "id=back"))
    for needle, said in (('"Prev"', "prev"), ('class="star"', "star"), ("id=back", "back")):
        results = await env.execute([click(number(state, needle))])
        assert not results[0].error, results[0]
        assert await text_of(env, "#said") == f"clicked: {said}"
        state = await env.observe()


async def test_icon_buttons_with_an_empty_spacer_are_named_by_their_icon(env, site_url):
    # a jQuery UI spinner: each button holds its icon and an empty spacer that also has "icon" in its class
    state = await open_page(env, f"{site_url}/obs_text.html")
    up = line_of(state, "ui-icon-triangle-1-n")
    assert re.fullmatch(r'\[\d+\] button class="ui-button ui-spinner-up" icon=ui-icon-triangle-1-n', up)
    for _ in range(2):
        results = await env.execute([click(number(state, "ui-icon-triangle-1-n"))])
        assert not results[0].error, results[0]
        state = await env.observe()
    results = await env.execute([click(number(state, "ui-icon-triangle-1-s"))])
    assert not results[0].error, results[0]
    assert await env.page.input_value("#spin", timeout=3000) == "1"


async def test_label_after_its_field(env, site_url):
    state = await open_page(env, f"{site_url}/obs_text.html")
    genre = number(state, 'input type=text "Genre"')
    year = number(state, 'input type=text "Year"')
    # a field among others keeps its own label and never takes the text after it
    assert re.fullmatch(r'\[\d+\] input type=text "Named field"', line_of(state, "Named field"))
    assert re.fullmatch(r'\[\d+\] input type=text value="  two  spaces"', line_of(state, "two  spaces"))
    await env.execute([{"action": "type", "index": genre, "text": "Jazz", "submit": False},
                       {"action": "type", "index": year, "text": "1999", "submit": False}])
    assert await env.page.input_value("#genre") == "Jazz"
    assert await env.page.input_value("#year") == "1999"


async def test_svg_shapes_with_listeners_are_numbered_and_clickable(env, site_url):
    state = await open_page(env, f"{site_url}/obs_svg.html")
    assert re.fullmatch(r"\[\d+\] svg rect fill=red id=r1", line_of(state, "fill=red"))
    assert re.fullmatch(r'\[\d+\] svg circle fill=blue class="shape big"', line_of(state, "fill=blue"))
    assert re.fullmatch(r'\[\d+\] svg text "7" fill=green', line_of(state, "fill=green"))
    assert re.fullmatch(r'\[\d+\] svg rect "Gray box" fill=gray', line_of(state, "Gray box"))  # pointer cursor
    assert re.fullmatch(r'\[\d+\] svg "Settings" id=icon', line_of(state, "Settings"))
    assert "fill=black" not in state.text  # drawn only: not a control
    assert "svg svg" not in state.text and "svg g" not in state.text
    for needle, said in (("fill=blue", "circle blue"), ("fill=green", "text green"), ("Settings", "settings")):
        results = await env.execute([click(number(state, needle))])
        assert not results[0].error, results[0]
        assert await text_of(env, "#said") == f"clicked: {said}"
        state = await env.observe()
