"""Acting on numbered elements through BrowserEnv.execute, checking the effect in the page."""
from __future__ import annotations

from tests.agent_browser.conftest import line_of, number, open_page, text_of


async def test_fill_form_and_submit_reaches_confirmation(env, site_url):
    state = await open_page(env, f"{site_url}/form.html")
    results = await env.execute([
        {"action": "type", "index": number(state, '"Full name"'), "text": "Ann Lee", "submit": False},
        {"action": "type", "index": number(state, '"Email"'), "text": "ann@example.org", "submit": False},
        {"action": "type", "index": number(state, '"Age"'), "text": "42", "submit": False},
        {"action": "type", "index": number(state, '"Start date"'), "text": "2025-03-14", "submit": False},
        {"action": "type", "index": number(state, '"About you"'), "text": "Reader of books", "submit": False},
        {"action": "select_option", "index": number(state, '"Plan"'), "option": "Team"},
        {"action": "check", "index": number(state, "Send me news"), "checked": True},
        {"action": "check", "index": number(state, 'radio "Red"'), "checked": True},
        {"action": "click", "index": number(state, "Create account")},
        {"action": "click", "index": 1},  # never runs: the page changed
    ])
    assert [r.error for r in results] == [None] * 9
    assert results[-1].page_changed and not any(r.page_changed for r in results[:-1])
    assert "typed 'Ann Lee' into" in results[0].message
    assert "selected 'Team'" in results[5].message
    assert env.page.url.split("?")[0].endswith("/confirm.html")
    for key, value in {"name": "Ann Lee", "email": "ann@example.org", "age": "42", "start": "2025-03-14",
                       "bio": "Reader of books", "plan": "team", "news": "yes", "color": "red"}.items():
        assert await text_of(env, f"#v-{key}") == value
    state = await env.observe()
    assert "# Account created" in state.text


async def test_type_clears_first_and_submit_presses_enter(env, site_url):
    state = await open_page(env, f"{site_url}/flow1.html")
    city = number(state, '"City"')
    await env.execute([{"action": "type", "index": city, "text": "Lyon", "submit": False}])
    results = await env.execute([{"action": "type", "index": city, "text": "Paris", "submit": True}])
    assert results[0].error is None and results[0].page_changed
    assert "pressed Enter" in results[0].message
    assert env.page.url.endswith("/flow2.html?city=Paris")


async def test_multi_page_flow(env, site_url):
    state = await open_page(env, f"{site_url}/flow1.html")
    await env.execute([{"action": "type", "index": number(state, '"City"'), "text": "Oslo", "submit": False},
                       {"action": "click", "index": number(state, "Continue to payment")}])
    state = await env.observe()
    assert "# Step 2 of 2: payment" in state.text and "Shipping to Oslo" in state.text
    assert line_of(state, "Pay now") == '[1] link "Pay now"'  # one link of its name: no target
    results = await env.execute([{"action": "click", "index": number(state, "Pay now")}])
    assert results[0].page_changed
    state = await env.observe()
    assert "Order complete." in state.text
    urls = [v.url.split("/")[-1] for v in env.visited_urls]
    assert urls == ["flow1.html", "flow2.html?city=Oslo", "flow_done.html?city=Oslo"]
    stamps = [v.timestamp for v in env.visited_urls]
    assert stamps == sorted(stamps) and stamps[0] > 1.6e12  # epoch milliseconds


async def test_click_role_button_onclick_div_pointer_span_and_aria_checkbox(env, site_url):
    state = await open_page(env, f"{site_url}/clickables.html")
    for label, effect in [("Role button", "clicked: role button"), ("Onclick div", "clicked: onclick div"),
                          ("Pointer span", "clicked: pointer span")]:
        results = await env.execute([{"action": "click", "index": number(state, label)}])
        assert results[0].error is None
        assert await text_of(env, "#said") == effect
    results = await env.execute([{"action": "check", "index": number(state, "Dark mode"), "checked": True}])
    assert results[0].error is None
    assert await env.page.get_attribute("#sw", "aria-checked") == "true"
    state = await env.observe()
    assert 'checkbox "Dark mode" checked' in state.text


async def test_disabled_element_is_an_error(env, site_url):
    state = await open_page(env, f"{site_url}/disabled.html")
    results = await env.execute([{"action": "click", "index": number(state, "Cannot press")}])
    assert "disabled" in results[0].error
    results = await env.execute([{"action": "click", "index": number(state, "Can press")}])
    assert results[0].error is None
    assert await text_of(env, "#r") == "on clicked"


async def test_contenteditable(env, site_url):
    state = await open_page(env, f"{site_url}/editable.html")
    editor = line_of(state, "Note body")
    assert 'editable "Note body" text="Old note"' in editor
    results = await env.execute([{"action": "type", "index": number(state, "Note body"), "text": "New note", "submit": False},
                                 {"action": "click", "index": number(state, "Save note")}])
    assert [r.error for r in results] == [None, None]
    assert await text_of(env, "#saved") == "saved: New note"


async def test_frames_and_shadow_dom_are_actionable(env, site_url, other_origin):
    for url in (f"{site_url}/iframe_same.html", f"{site_url}/iframe_cross.html?other={other_origin}"):
        await env.goto(url)
        await env.page.wait_for_timeout(200)
        state = await env.observe()
        results = await env.execute([{"action": "type", "index": number(state, "Frame search"), "text": "inside",
                                      "submit": False},
                                     {"action": "click", "index": number(state, "Frame button")}])
        assert [r.error for r in results] == [None, None]
        frame = env.page.frames[1]
        assert await frame.inner_text("#res") == "frame got: inside"
    state = await open_page(env, f"{site_url}/shadow.html")
    await env.execute([{"action": "type", "index": number(state, "shadow input"), "text": "deep", "submit": False},
                       {"action": "click", "index": number(state, "Shadow button")}])
    assert await text_of(env, "#status") == "shadow clicked: deep"


async def test_hover_reveals_menu(env, site_url):
    state = await open_page(env, f"{site_url}/hover.html")
    assert "Hidden product link" not in state.text
    results = await env.execute([{"action": "hover", "index": number(state, "Products")}])
    assert results[0].error is None
    assert await text_of(env, "#hovered") == "hovered"
    state = await env.observe()
    assert "Hidden product link" in line_of(state, "Hidden product link")


async def test_select_option_by_value_and_unknown_option(env, site_url):
    state = await open_page(env, f"{site_url}/form.html")
    plan = number(state, '"Plan"')
    results = await env.execute([{"action": "select_option", "index": plan, "option": "free"}])
    assert results[0].error is None
    assert await env.page.input_value("#plan") == "free"
    results = await env.execute([{"action": "select_option", "index": plan, "option": "Platinum"}])
    assert "no option 'Platinum'" in results[0].error and "Free | Pro | Team" in results[0].error
    results = await env.execute([{"action": "select_option", "index": number(state, '"Full name"'), "option": "x"}])
    assert "not a <select>" in results[0].error


async def test_stale_and_unknown_numbers_are_errors(env, site_url):
    state = await open_page(env, f"{site_url}/replace.html")
    old_button = number(state, "Old button")
    results = await env.execute([{"action": "click", "index": number(state, "Swap content")},
                                 {"action": "click", "index": old_button}])
    assert len(results) == 1 and results[0].page_changed  # the DOM was replaced: batch stopped
    results = await env.execute([{"action": "click", "index": old_button}])
    assert "stale" in results[0].error
    state = await env.observe()
    results = await env.execute([{"action": "click", "index": number(state, "Fresh button")}])
    assert results[0].error is None and await text_of(env, "#r") == "fresh clicked"
    results = await env.execute([{"action": "click", "index": 99}])
    assert "no element [99]" in results[0].error


async def test_number_from_before_a_navigation_is_stale(env, site_url):
    state = await open_page(env, f"{site_url}/list.html")
    dune = number(state, '"Dune"')
    await env.page.goto(f"{site_url}/form.html")  # the page moves on without a new observation
    results = await env.execute([{"action": "click", "index": dune}])
    assert "stale" in results[0].error


async def test_bad_actions_are_errors_not_exceptions(env, site_url):
    await open_page(env, f"{site_url}/form.html")
    results = await env.execute([{"action": "teleport", "where": "moon"}, {"action": "click", "index": 1}])
    assert len(results) == 1 and "unknown action" in results[0].error
    results = await env.execute([{"action": "type", "index": 1}])
    assert "'text' is a required property" in results[0].error
    results = await env.execute([{"action": "check", "index": 1, "checked": True}])
    assert "not a checkbox" in results[0].error
    state = await env.observe()
    results = await env.execute([{"action": "type", "index": number(state, '"Age"'), "text": "forty", "submit": False}])
    assert "refused 'forty'" in results[0].error
    results = await env.execute([{"action": "type", "index": number(state, '"Start date"'), "text": "14/03/2025",
                                  "submit": False}])
    assert "refused '14/03/2025'" in results[0].error and "another format" in results[0].error


async def test_empty_batch_is_an_error(env, site_url):
    await open_page(env, f"{site_url}/list.html")
    results = await env.execute([])
    assert len(results) == 1 and "no actions given" in results[0].error
