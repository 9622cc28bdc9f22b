"""A task's page: the result (JSON pretty-printed, CSV as a table), visited URLs, usage, and the
replay stepped through with the keyboard, the clicked point marked on the screenshot."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import act, done, script
from tests.ui.conftest import shoot

SCHEMA = {"type": "object", "properties": {"books": {"type": "array", "items": {"type": "string"}},
                                           "count": {"type": "integer"}}, "required": ["books", "count"]}


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_VISION="true")  # click_at: a point to mark


def position(page: Page):
    return page.locator("#position")


def test_the_replay_steps_through_with_the_keyboard(page, api, llm, site):
    tag = script(llm, [act({"action": "click_at", "x": 130, "y": 112}, goal="click the red box"),
                       act({"action": "scroll", "direction": "down", "pages": 0.5}, goal="look below"),
                       done({"books": ["Dune", "Emma"], "count": 2})])
    body = api.post("/start/run-task", json={"taskDetails": f"point {tag}", "startingUrl": f"{site}/point.html",
                                             "outputType": "structured_json", "outputSchema": SCHEMA}).json()
    assert body["status"] == "completed", body
    page.reload()  # the sessions page lists the finished task; open it from there
    page.wait_for_selector("body[data-ready]", state="attached")
    page.get_by_role("link", name=f"point {tag}").click()
    page.wait_for_url("**/ui/task?**")
    page.wait_for_selector("body[data-ready]", state="attached")

    result = page.get_by_role("region", name="Result").locator("pre")
    assert json.loads(result.inner_text()) == {"books": ["Dune", "Emma"], "count": 2}
    assert '\n  "count": 2' in result.inner_text()  # pretty-printed
    expect(page.get_by_role("region", name="Visited URLs")).to_contain_text(f"{site}/point.html")
    expect(page.get_by_role("region", name="Usage and cost")).to_contain_text("Input tokens")

    expect(position(page)).to_have_text("Step 1 of 3")
    step = page.locator("#step")
    expect(step).to_contain_text("click the red box")
    mark, image = page.locator("#mark"), page.locator("#shotImg")
    expect(mark).to_be_visible()
    natural = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    box, dot = image.bounding_box(), mark.bounding_box()
    assert box and dot
    centre = (dot["x"] + dot["width"] / 2 - box["x"], dot["y"] + dot["height"] / 2 - box["y"])
    assert abs(centre[0] - 130 * box["width"] / natural[0]) < 1.5, (centre, box, natural)
    assert abs(centre[1] - 112 * box["height"] / natural[1]) < 1.5, (centre, box, natural)
    page.get_by_role("heading", name="Replay").scroll_into_view_if_needed()
    shoot(page, "task")

    page.keyboard.press("ArrowRight")
    expect(position(page)).to_have_text("Step 2 of 3")
    expect(step).to_contain_text("look below")
    expect(step).to_contain_text('"action":"scroll"')
    expect(mark).to_be_hidden()  # a scroll has no point
    expect(page.locator("#shot")).to_have_attribute("data-step", "2")
    page.keyboard.press("ArrowRight")
    expect(position(page)).to_have_text("Step 3 of 3")
    page.keyboard.press("ArrowRight")  # the last step stays
    expect(position(page)).to_have_text("Step 3 of 3")
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    expect(position(page)).to_have_text("Step 2 of 3")
    page.get_by_role("navigation", name="Steps").get_by_role("button").first.click()
    expect(position(page)).to_have_text("Step 1 of 3")


def test_a_csv_result_is_a_table(page, server, api, llm, site):
    rows = [{"title": "Dune, Part 1", "note": 'a "classic"'}, {"title": "Emma", "note": "quiet"}]
    tag = script(llm, [done(rows)])
    body = api.post("/start/run-task", json={"taskDetails": f"list {tag}", "startingUrl": f"{site}/list.html",
                                             "outputType": "structured_csv", "outputSchema": ["title", "note"]}).json()
    assert body["status"] == "completed", body
    page.goto(f"{server.base_url}/ui/task?session={body['sessionId']}&task={body['taskId']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    table = page.get_by_role("region", name="Result").get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(["title", "note"])
    expect(table.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(["Dune, Part 1", 'a "classic"'])
    expect(table.get_by_role("row").nth(2).get_by_role("cell")).to_have_text(["Emma", "quiet"])
    shoot(page, "task-csv")
