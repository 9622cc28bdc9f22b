"""Starting from the form and steering from the session page: steps arrive live, pause and resume,
a guardrail answered in the box, the next task sent from the box."""
from __future__ import annotations

import json
import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import act, done, script
from tests.ui.conftest import shoot, sign_in


def start_from_form(page: Page, text: str, url: str, *, one_off: bool = False) -> str:
    """Fill the start form on the sessions page and submit; returns the session id of the page it lands on."""
    page.get_by_label("A one-off task" if one_off else "A session (stays open)").check()
    page.get_by_label("Task", exact=True).fill(text)
    page.get_by_label("Starting URL").fill(url)
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r"/ui/session\?id=\w+"))
    page.wait_for_selector("body[data-ready]", state="attached")
    return page.url.split("id=")[1]


def feed(page: Page):
    return page.get_by_role("region", name="Agent steps").get_by_role("listitem")


def test_a_task_started_from_the_form_streams_its_steps_and_pauses_and_resumes(page, context, server, api, llm, site):
    held = f"ui-pause-{time.monotonic_ns()}"
    tag = script(llm, [act({"action": "scroll", "direction": "down", "pages": 0.5}, goal="look further down the list"),
                       {"gate": held, **act({"action": "navigate", "url": f"{site}/list.html"}, goal="open the list")},
                       done("The list is open")])
    gate = llm.gate(held)
    session_id = start_from_form(page, f"read the list {tag}", f"{site}/control.html")
    expect(feed(page).filter(has_text="look further down the list")).to_be_visible()  # step 1, live
    expect(feed(page).filter(has_text="scroll")).to_be_visible()
    gate.wait_arrived()  # step 2's decision is held: the task runs

    # the sessions page lists it, running, with its current URL and a ticking clock
    other = sign_in(context.new_page(), server)  # a new tab signs in again: the key is kept per tab
    row = other.locator(f"tr[data-session='{session_id}']")
    expect(row.locator(".badge")).to_have_text("running")
    expect(row).to_contain_text(f"{site}/control.html")
    first = row.locator("td.elapsed").inner_text()
    expect(row.locator("td.elapsed")).not_to_have_text(first)
    shoot(other, "sessions")
    other.close()

    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#state .badge")).to_have_text("paused")
    expect(feed(page).filter(has_text="paused").first).to_be_visible()
    gate.release()  # the decision arrives while paused: kept, not acted on
    assert api.get(f"/task/{session_id}/{_running_task(api, session_id)}").json()["status"] == "running"
    page.get_by_role("button", name="Resume").click()
    expect(feed(page).filter(has_text="Task resumed").or_(feed(page).filter(has_text="resumed")).first).to_be_visible()
    completed = feed(page).filter(has_text="The list is open")
    expect(completed).to_be_visible()
    expect(page.locator("#state .badge")).to_have_text("idle")
    shoot(page, "session")
    # the session stays: the next task goes from the box
    tag2 = script(llm, [done("second done")])
    page.get_by_label("Task", exact=True).fill(f"again {tag2}")
    page.get_by_role("button", name="Send task").click()
    expect(feed(page).filter(has_text="second done")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Terminate session").click()
    expect(page.get_by_text("This session has ended.")).to_be_visible()
    tasks = api.get(f"/sessions/{session_id}").json()["tasks"]
    assert [t["status"] for t in tasks] == ["completed", "completed"], tasks


def _running_task(api, session_id: str) -> str:
    return api.get(f"/sessions/{session_id}").json()["session"]["taskId"]


def test_a_guardrail_is_answered_in_the_box_and_the_task_finishes(page, server, api, llm, site):
    name = f"ui-ask-{time.monotonic_ns()}"
    tag = llm.script(name, [act({"action": "ask_human", "question": "What is the one-time code?", "reason": "code"}),
                            done("Logged in with the code")])
    session_id = start_from_form(page, f"log in {tag}", f"{site}/control.html", one_off=True)
    box = page.get_by_role("form", name="The agent asks")
    expect(box).to_be_visible()
    expect(box).to_contain_text("What is the one-time code?")
    expect(page.get_by_label("Your answer")).to_be_focused()  # the box takes the focus when it appears
    expect(page.locator("#state .badge")).to_have_text("waiting human")
    shoot(page, "session-guardrail")
    page.get_by_label("Your answer").fill("4711")
    page.get_by_role("button", name="Send answer").click()
    expect(box).to_be_hidden()
    expect(feed(page).filter(has_text="Logged in with the code")).to_be_visible()
    expect(page.get_by_text("This session has ended.")).to_be_visible()  # a one-off task ends its session
    asked = json.dumps(llm.requests_for(name)[-1])
    assert "4711" in asked  # the answer reached the model
    task = api.get(f"/sessions/{session_id}").json()["tasks"][0]
    assert task["status"] == "completed"
