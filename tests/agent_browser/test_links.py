"""Link lines: the target is shown only when the text does not tell links apart; a link whose own
box is empty (around a floated block) is numbered and clicked through its content."""
from __future__ import annotations

import re

from tests.agent_browser.conftest import line_of, number, open_page


async def test_targets_only_where_the_text_is_not_enough(env, site_url):
    state = await open_page(env, f"{site_url}/links.html")
    lines = [line.strip() for line in state.text.splitlines()]
    more = [line for line in lines if '"Read more"' in line]
    assert [re.sub(r"^\[\d+\] ", "", line) for line in more] == [
        'link "Read more" → /flow1.html?story=rain', 'link "Read more" → /flow1.html?story=sun']
    books = [line for line in lines if '"Books in stock"' in line]
    assert len(books) == 2 and all(line.endswith('link "Books in stock"') for line in books)  # same place
    assert line_of(state, '"Sign up"').endswith('link "Sign up"')
    assert line_of(state, '"¶"').endswith('link "¶" → #top')  # no words: where it goes
    assert line_of(state, "city=Rome").endswith('link "" → /flow2.html?city=Rome')  # an image without alt


async def test_links_with_the_same_text_lead_to_their_own_targets(env, site_url):
    state = await open_page(env, f"{site_url}/links.html")
    second = number(state, "story=sun")
    results = await env.execute([{"action": "click", "index": second}])
    assert results[0].page_changed and env.page.url.endswith("/flow1.html?story=sun")


async def test_link_around_a_floated_block_is_clickable(env, site_url):
    state = await open_page(env, f"{site_url}/links.html")
    assert await env.page.evaluate("() => document.querySelector('a[href*=float]').getBoundingClientRect().width") == 0
    line = line_of(state, "Floated link")
    assert re.fullmatch(r'\[\d+\] link "Floated link"', line)
    results = await env.execute([{"action": "click", "index": number(state, "Floated link")}])
    assert results[0].error is None and results[0].page_changed
    assert env.page.url.endswith("/flow_done.html?via=float")
