"""What a person sees is in the page state: images by their alt text, the visible part of scroll
areas (numbered, with what lies beyond them), long names condensed from the middle, colours and
CSS-drawn state that tell identical controls apart, slider and progress values, and no invisible text."""
from __future__ import annotations

from tests.agent_browser.conftest import number, open_page, text_of


def body(state) -> list[str]:
    """The page's lines between the scroll header and footer."""
    return state.text.splitlines()[2:-1]


async def test_images_are_shown_by_their_alt_text(env, site_url):
    state = await open_page(env, f"{site_url}/sight_images.html")
    assert body(state) == [
        "Menu: [img vegan] Salad, [img spicy] Curry",  # alt="" is decoration: nothing
        '[1] link "Home"',
        '[2] button "Delete"',
        '[3] link "vegan Salad bowl"',
    ]
    results = await env.execute([{"action": "click", "index": number(state, '"Delete"')}])
    assert not results[0].error, results[0]
    assert await text_of(env, "#said") == "trash"


async def test_scroll_areas_show_their_visible_part_and_what_lies_beyond(env, site_url):
    state = await open_page(env, f"{site_url}/sight_scroll.html")
    assert body(state) == [
        "[1] scroll area: 200 px below",
        "  Left post 1",
        '  [2] button "Like L1"',
        "  Left post 2",
        '  [3] button "Like L2"',
        "  Left post 3",
        "[4] scroll area: 130 px below",
        "  Right post 1",
        '  [5] button "Like R1"',
        "  Right post 2",
        '  [6] button "Like R2"',
        "  Right post 3",
        "After the boxes",
    ]
    results = await env.execute([{"action": "scroll", "direction": "down", "pages": 1, "index": 4}])
    assert results[0].message == "scrolled the area of [4] down 130 px; 130 px above, 0 px below", results[0]
    state = await env.observe()
    assert body(state)[6:] == [  # posts 1 and 2 are now above the box's top edge
        "[4] scroll area: 130 px above",
        "  Right post 3",
        '  [5] button "Like R3"',
        "  Right post 4",
        '  [6] button "Like R4"',
        "After the boxes",
    ]
    assert body(state)[:2] == ["[1] scroll area: 200 px below", "  Left post 1"]  # the other box did not move
    results = await env.execute([{"action": "scroll", "direction": "down", "index": 6}])  # a button in the box
    assert results[0].message == "cannot scroll [6] down: already at the bottom", results[0]
    state = await open_page(env, f"{site_url}/sight_images.html")
    results = await env.execute([{"action": "scroll", "direction": "down", "index": 1}])
    assert "not in a scroll area" in results[0].error


async def test_a_long_name_is_condensed_from_the_middle_and_read_in_full(env, site_url):
    state = await open_page(env, f"{site_url}/sight_long.html")
    full = await text_of(env, "#term")
    assert len(full) == 489
    assert body(state) == [
        '[1] clickable "guest@host:~$ cat notes.txt line01 of the notes file line02 …le line18 of the notes file'
        ' li user$ ls" (489 chars)',
    ]
    results = await env.execute([{"action": "read_page", "index": 1}])
    assert results[0].message == f"Full text of [1] (489 characters):\n{full}"


async def test_identical_controls_are_told_apart_by_colour_and_state_class(env, site_url):
    state = await open_page(env, f"{site_url}/sight_colours.html")
    assert body(state) == [
        "Pick the colour [colour red #e60000] please.",
        '[1] clickable class="ql-picker-item" colour=black #000000',
        '[2] clickable class="ql-picker-item" colour=red #e60000',
        '[3] clickable class="ql-picker-item" colour=green #008a00',
        '[4] clickable class="ql-picker-item" colour=royalblue #0066cc',
        '[5] clickable "Tab"',
        '[6] clickable "Tab" state=active',
        "[7] clickable id=chosen colour=orange #ffa500",  # a box of colour without a name says its colour
    ]
    results = await env.execute([{"action": "click", "index": 2}])
    assert not results[0].error, results[0]
    assert await text_of(env, "#said") == "rgb(230, 0, 0)"


async def test_a_board_drawn_by_css_images_shows_its_marks(env, site_url):
    state = await open_page(env, f"{site_url}/sight_board.html")
    assert body(state) == [
        "Play X.",
        "[1] clickable id=c0",
        "[2] clickable id=c1 image=o.svg",  # content: url(...)
        "[3] clickable id=c2",
        "[4] clickable id=c3",
        "[5] clickable id=c4 image=x.svg",  # background-image
        "[6] clickable id=c5",
    ]
    await env.execute([{"action": "click", "index": 1}])
    state = await env.observe()
    assert body(state)[1] == "[1] clickable id=c0 image=x.svg"


async def test_sliders_and_progress_bars_show_value_minimum_and_maximum(env, site_url):
    state = await open_page(env, f"{site_url}/sight_slider.html")
    assert body(state) == [
        '[1] slider "Volume" value=3 min=0 max=10',
        '[2] slider "Price" value=40 min=10 max=90',
        "[3] slider id=handle position=25%",
        "Upload [progress value=30 max=100] done",
        "Disk [meter value=0.6 min=0 max=1]",
    ]


async def test_invisible_text_is_left_out(env, site_url):
    state = await open_page(env, f"{site_url}/sight_hidden.html")
    assert body(state) == [
        "Shown words end.",  # zero font size, transparent, clipped away, visibility: hidden
        '[1] clickable class="card down"',  # a face-down card: its number is drawn at size 0
        '[2] clickable "4"',
        '[3] link "Search 🔍"',  # a control's name keeps the words written for screen readers
    ]
