"""Action gaps found by the MiniWoB++ bench: multiple selects, date/time fields typed in the form a
page shows, values that do not stick, and the timing of click, wait, click."""
from __future__ import annotations

from tests.agent_browser.conftest import number, open_page, text_of


def typing(index: int, text: str) -> dict:
    return {"action": "type", "index": index, "text": text, "submit": False}


async def value(env, selector: str) -> str:
    return await env.page.input_value(selector, timeout=3000)


async def test_multiple_select_takes_a_list(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    pick = number(state, "Pick fruits")
    results = await env.execute([{"action": "select_option", "index": pick, "option": ["Banana", "d"]}])
    assert not results[0].error and "Banana, Date plum" in results[0].message
    chosen = await env.page.eval_on_selector("#pick", "(e) => Array.from(e.selectedOptions).map((o) => o.value)")
    assert chosen == ["b", "d"]
    assert "change pick=b,d" in await text_of(env, "#log")
    # a new list replaces the whole selection
    await env.execute([{"action": "select_option", "index": pick, "option": ["cherry"]}])
    assert await env.page.eval_on_selector("#pick", "(e) => Array.from(e.selectedOptions).map((o) => o.value)") == ["c"]
    results = await env.execute([{"action": "select_option", "index": pick, "option": ["Apple", "Kiwi"]}])
    assert "no option 'Kiwi'" in results[0].error


async def test_list_on_single_select_is_an_error(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    one = number(state, "One size")
    results = await env.execute([{"action": "select_option", "index": one, "option": ["Small", "Large"]}])
    assert "not a multiple select" in results[0].error
    assert await value(env, "#one") == "Small"
    results = await env.execute([{"action": "select_option", "index": one, "option": "Large"}])
    assert not results[0].error and await value(env, "#one") == "Large"


async def test_date_and_time_fields_take_the_forms_pages_show(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    cases = [("Due date", "#d", "05/20/2010", "2010-05-20"), ("Alarm time", "#t", "9:37 PM", "21:37"),
             ("Meeting at", "#dl", "05/20/2010 9:37 PM", "2010-05-20T21:37"),
             ("Card month", "#m", "05/2010", "2010-05"), ("Sprint week", "#w", "Week 20, 2010", "2010-W20")]
    for label, selector, text, iso in cases:
        results = await env.execute([typing(number(state, label), text)])
        assert not results[0].error and results[0].message.startswith(f"typed {text!r}"), results[0]
        assert "now shows" not in results[0].message
        assert await value(env, selector) == iso
    log = await text_of(env, "#log")
    for _, selector, _, iso in cases:
        assert f"input {selector[1:]}={iso}" in log and f"change {selector[1:]}={iso}" in log
    # the ISO forms and 24-hour times work as well
    await env.execute([typing(number(state, "Due date"), "2011-01-02"), typing(number(state, "Alarm time"), "21:05")])
    assert (await value(env, "#d"), await value(env, "#t")) == ("2011-01-02", "21:05")


async def test_unreadable_date_is_refused_with_the_forms(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    results = await env.execute([typing(number(state, "Due date"), "02/30/2010")])
    assert "refused '02/30/2010'" in results[0].error and "MM/DD/YYYY" in results[0].error
    results = await env.execute([typing(number(state, "Alarm time"), "25:10")])
    assert "refused" in results[0].error and "AM/PM" in results[0].error
    assert await value(env, "#d") == "" and await value(env, "#t") == ""


async def test_field_disabled_on_focus_is_an_error(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    results = await env.execute([typing(number(state, "Popup name"), "ann")])
    assert results[0].error and "became disabled" in results[0].error
    assert await env.page.eval_on_selector("#popup", "(e) => e.disabled") is True


async def test_field_cleared_by_script_is_an_error(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    results = await env.execute([typing(number(state, "Wiped code"), "xyz")])
    assert results[0].error and "field is empty" in results[0].error and "cleared" in results[0].error
    assert await value(env, "#wiped") == ""


async def test_maxlength_cut_is_noted_and_passwords_are_not_echoed(env, site_url):
    state = await open_page(env, f"{site_url}/gaps_fields.html")
    results = await env.execute([typing(number(state, "Short code"), "abcdefg")])
    assert not results[0].error
    assert "maxlength=4" in results[0].message and "first 4 characters" in results[0].message
    assert "'abcd'" in results[0].message and await value(env, "#short") == "abcd"
    results = await env.execute([typing(number(state, "Secret pin"), "123456")])
    assert not results[0].error and "maxlength=4" in results[0].message
    assert "123" not in results[0].message and "•••" in results[0].message
    assert await value(env, "#pin") == "1234"


async def test_click_wait_click_keeps_the_asked_delay(env, site_url, monkeypatch):
    """The watch after a click is spent inside a wait that follows it, not added to it."""
    await open_page(env, f"{site_url}/gaps_fields.html")
    await env.page.evaluate("""() => {
      window.stamps = [];
      for (const label of ["ONE", "TWO"]) {
        const b = document.createElement("button");
        b.textContent = label;
        b.onclick = () => window.stamps.push(performance.now());
        document.body.prepend(b);
      }
    }""")
    state = await env.observe()
    settles: list[tuple[bool, float]] = []
    settle = env.settle

    async def recorded(commits_before: int, quick: bool = False, watch_s: float = 0.05) -> None:
        settles.append((quick, watch_s))
        await settle(commits_before, quick=quick, watch_s=watch_s)

    monkeypatch.setattr(env, "settle", recorded)
    results = await env.execute([{"action": "click", "index": number(state, '"ONE"')},
                                 {"action": "wait", "seconds": 1},
                                 {"action": "click", "index": number(state, '"TWO"')}])
    assert [bool(r.error) for r in results] == [False, False, False]
    assert results[1].message == "waited 1 s"
    # the first click's watch is the wait itself (a quick settle after it), only the last click is watched
    assert settles == [(True, 0.05), (False, 0.4)]
    first, second = await env.page.evaluate("window.stamps")
    assert second - first >= 1000


async def test_navigation_during_a_folded_wait_stops_the_batch(env, site_url):
    """A click that navigates late (from a timer) is still seen when a wait follows it."""
    await open_page(env, f"{site_url}/gaps_fields.html")
    await env.page.evaluate("""() => {
      const b = document.createElement("button");
      b.textContent = "Later";
      b.onclick = () => setTimeout(() => { location.href = "links.html"; }, 300);
      document.body.prepend(b);
    }""")
    state = await env.observe()
    later = number(state, '"Later"')
    results = await env.execute([{"action": "click", "index": later}, {"action": "wait", "seconds": 1},
                                 {"action": "click", "index": later}])
    assert len(results) == 2 and results[0].page_changed and not results[0].error
    assert env.page.url.endswith("/links.html")


async def test_link_click_before_a_wait_stops_at_once(env, site_url):
    state = await open_page(env, f"{site_url}/links.html")
    results = await env.execute([{"action": "click", "index": number(state, '"Sign up"')},
                                 {"action": "wait", "seconds": 1}, {"action": "click", "index": 1}])
    assert len(results) == 1 and results[0].page_changed
    assert env.page.url.endswith("/form.html")


async def test_click_that_lands_beside_its_element_is_done_by_script(env, site_url):
    # MiniWoB++'s social-media menu button: its hover style has no size, so the mouse click lands on the post
    state = await open_page(env, f"{site_url}/hover_shift.html")
    results = await env.execute([{"action": "click", "index": number(state, "id=more")}])
    assert not results[0].error, results[0]
    assert await text_of(env, "#said") == "clicked: more"
