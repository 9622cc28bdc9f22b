"""What the model reads: every kind of element, numbered, with its state; hidden things left out."""
from __future__ import annotations

import re

from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.dom.capture import OPTIONS
from tests.agent_browser.conftest import LOOPBACK_ALLOWED, line_of, number, open_page


async def test_form_elements_with_types_labels_and_state(env, site_url):
    state = await open_page(env, f"{site_url}/form.html")
    assert state.title == "Sign-up form" and state.url.endswith("/form.html")
    assert "# Sign up" in state.text
    assert 'input type=text "Full name" placeholder="Jane Doe" required' in line_of(state, "Full name")
    assert "input type=email" in line_of(state, '"Email"')
    assert "input type=password" in line_of(state, '"Password"')
    assert "input type=number" in line_of(state, '"Age"')
    assert "input type=date" in line_of(state, '"Start date"')
    assert 'textarea "About you" placeholder="A few words"' in state.text
    assert 'select "Plan" selected="Pro" options: Free | Pro | Team' in state.text
    assert 'checkbox "Send me news" name=news unchecked' in state.text
    assert 'radio "Red" name=color unchecked' in state.text and 'radio "Blue" name=color checked' in state.text
    assert 'button "Create account"' in state.text
    numbers = [int(n) for n in re.findall(r"^\s*\[(\d+)\]", state.text, re.M)]
    assert numbers == list(range(1, 12)) and state.element_count == 11
    # a label's text names its control; it is not repeated as a text line
    assert not any(line.strip() == "Full name" for line in state.text.splitlines())
    assert state.text.startswith("Current Sign-up form — ")
    assert "below" in state.text.splitlines()[-1]


async def test_values_show_but_passwords_never(env, site_url):
    state = await open_page(env, f"{site_url}/form.html")
    results = await env.execute([
        {"action": "type", "index": number(state, '"Full name"'), "text": "Ann Lee", "submit": False},
        {"action": "type", "index": number(state, '"Password"'), "text": "hunter2-pass", "submit": False},
    ])
    assert [r.error for r in results] == [None, None]
    assert "hunter2" not in results[1].message and "typed ••• into" in results[1].message
    state = await env.observe()
    assert 'value="Ann Lee"' in line_of(state, '"Full name"')
    assert "value=•••" in line_of(state, '"Password"')
    assert "hunter2" not in state.text


async def test_secret_values_are_masked_everywhere(browser, site_url, tmp_path):
    context = await browser.new_context()
    env = BrowserEnv(context, downloads_dir=tmp_path, secret_values=["Ann Lee", "s3cret-token"],
                     reach=LOOPBACK_ALLOWED)
    try:
        state = await open_page(env, f"{site_url}/form.html")
        await env.execute([{"action": "type", "index": number(state, '"Full name"'), "text": "Ann Lee", "submit": False},
                           {"action": "type", "index": number(state, '"About you"'), "text": "my s3cret-token!",
                            "submit": False}])
        state = await env.observe()
        assert "Ann Lee" not in state.text and "s3cret-token" not in state.text
        assert 'value="•••"' in line_of(state, '"Full name"')
        read = await env.execute([{"action": "read_page"}])
        assert "s3cret-token" not in read[0].message and "•••" in read[0].message
    finally:
        env.close()
        await context.close()


async def test_list_and_table_text(env, site_url):
    state = await open_page(env, f"{site_url}/list.html")
    assert "# Books in stock" in state.text
    assert re.search(r'\[\d+\] link "Dune"\n', state.text)  # its text tells it apart: no target
    assert "— Frank Herbert, 1965, 12.50 EUR" in state.text
    assert "Copies" in state.text


async def test_clickable_divs_roles_and_hidden_elements(env, site_url):
    state = await open_page(env, f"{site_url}/clickables.html")
    assert re.search(r'\[\d+\] button "Role button"', state.text)
    assert re.search(r'\[\d+\] clickable "Onclick div"', state.text)
    assert re.search(r'\[\d+\] clickable "Pointer span"', state.text)
    assert re.search(r'\[\d+\] checkbox "Dark mode" unchecked', state.text)
    assert re.search(r'\[\d+\] tab "Overview" selected', state.text)
    for hidden in ("Covered by aria", "Hidden by display", "Zero size"):
        assert hidden not in state.text
    # aria-hidden but on screen and on top (a menu whose hiding style did not apply): a sighted user clicks it
    results = await env.execute([{"action": "click", "index": number(state, '"Menu left visible"')}])
    assert results[0].error is None
    assert "clicked: aria-hidden menu" in (await env.observe()).text
    # a link without href is a script's control; <a name> is only a place to jump to
    assert not re.search(r'\[\d+\] link "Place to jump to"', state.text) and "Place to jump to" in state.text
    results = await env.execute([{"action": "click", "index": number(state, 'link "More topics"')}])
    assert results[0].error is None
    assert "clicked: more topics" in (await env.observe()).text


async def test_items_of_a_focusable_list_are_the_choices(env, site_url):
    # a script's menu (jQuery UI autocomplete): <ul tabindex=0> with one listener, items without a role
    state = await open_page(env, f"{site_url}/clickables.html")
    for item in ("Guadeloupe", "Guam", "Guatemala"):
        assert re.search(rf'\[\d+\] clickable "{item}"', state.text), item
    assert '"Guadeloupe Guam' not in state.text
    results = await env.execute([{"action": "click", "index": number(state, '"Guatemala"')}])
    assert results[0].error is None
    assert "clicked: picked Guatemala" in (await env.observe()).text
    # a focusable list of links: the links are the controls, not their items
    assert re.search(r'\[\d+\] link "News"', state.text) and not re.search(r'\[\d+\] clickable "News"', state.text)


async def test_page_behind_an_open_modal_is_left_out(env, site_url):
    state = await open_page(env, f"{site_url}/aria_modal.html")
    assert re.search(r'\[\d+\] button "Accept"', state.text)
    assert "Behind the modal" not in state.text and "Shop" not in state.text


async def test_disabled_elements_are_flagged(env, site_url):
    state = await open_page(env, f"{site_url}/disabled.html")
    assert line_of(state, "Cannot press").endswith("disabled")
    assert 'value="fixed" disabled' in state.text
    assert line_of(state, "Aria disabled").endswith("disabled")
    assert "disabled" not in line_of(state, "Can press")


async def test_same_origin_iframe_is_inlined(env, site_url):
    state = await open_page(env, f"{site_url}/iframe_same.html")
    frame_line = line_of(state, "iframe http")
    assert frame_line.startswith("iframe http://") and "frame_inner.html" in frame_line
    inner = line_of(state, "Frame search")
    assert inner.startswith("  [") and 'placeholder="frame query"' in inner
    assert number(state, "Outer button") < number(state, "Frame search") < number(state, "Frame button")


async def test_cross_origin_iframe_is_inlined(env, site_url, other_origin):
    state = await open_page(env, f"{site_url}/iframe_cross.html?other={other_origin}")
    await env.page.wait_for_timeout(200)
    state = await env.observe()
    assert f"iframe {other_origin}/frame_inner.html" in state.text
    assert "Inside the frame" in state.text
    assert re.search(r'\[\d+\] input type=text "Frame search"', state.text)


async def test_open_shadow_root_content(env, site_url):
    state = await open_page(env, f"{site_url}/shadow.html")
    assert "Shadow text" in state.text
    assert re.search(r'\[\d+\] input type=text placeholder="shadow input"', state.text)
    assert re.search(r'\[\d+\] button "Shadow button"', state.text)


async def test_long_page_tells_what_is_above_and_below(env, site_url):
    state = await open_page(env, f"{site_url}/long.html")
    lines = state.text.splitlines()
    assert lines[1] == "[top of page]"
    assert re.match(r"↓ \d+ px \(\d+\.\d pages\) below", lines[-1])
    assert "Paragraph 1:" in state.text and "Paragraph 100:" not in state.text
    assert "marmalade" not in state.text  # far below the viewport
    assert len(state.text) < 3000
    await env.execute([{"action": "scroll", "direction": "down", "pages": 2}])
    state = await env.observe()
    assert re.match(r"↑ 890 px \(2\.0 pages\) above", state.text.splitlines()[1])


async def test_big_page_state_stays_lean(env, site_url):
    state = await open_page(env, f"{site_url}/big.html")
    assert 'button "buy 0"' in state.text and "buy 2999" not in state.text
    assert state.element_count < 120 and len(state.text) < 6000
    await env.execute([{"action": "scroll_to_text", "text": "description of item 2500"}])
    state = await env.observe()
    assert "description of item 2500" in state.text
    results = await env.execute([{"action": "click", "index": number(state, '"buy 2500"')}])
    assert results[0].error is None


async def test_capture_out_of_time_gives_the_part_it_read(env, site_url, monkeypatch):
    """A page too big to walk within the time budget: the lines read so far, usable, and a note."""
    monkeypatch.setitem(OPTIONS, "budgetMs", 0)  # the walk stops at its first time check
    state = await open_page(env, f"{site_url}/big.html")
    assert "could not be read" not in state.text
    assert "(the page is too large to read at once" in state.text
    assert "# Big catalog" in state.text and 'button "buy 0"' in state.text
    assert 0 < state.element_count < 20
    results = await env.execute([{"action": "click", "index": number(state, '"buy 0"')}])
    assert results[0].error is None


async def test_a_control_inside_its_label_is_named_by_the_label_s_own_text(env, site_url):
    state = await open_page(env, f"{site_url}/label_wrapped.html")
    assert 'select "Shipping country" selected="Germany" options: France | Germany | Italy' in state.text
    assert 'select "Gift wrap (optional)" selected="None"' in state.text
    assert 'textarea "Notes for the courier"' in state.text
    bare = line_of(state, 'options: Small | Large')
    assert '"Small' not in bare.split("selected=")[0]  # no text of its own: not named by its options
    # the label's text is not repeated as a text line
    assert not any(line.strip().startswith("Shipping country") for line in state.text.splitlines())
    results = await env.execute([{"action": "select_option", "index": number(state, '"Shipping country"'),
                                  "option": "Italy"}])
    assert results[0].error is None, results[0].error
    assert 'select "Shipping country" selected="Italy"' in (await env.observe()).text
