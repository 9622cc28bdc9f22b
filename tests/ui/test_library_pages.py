"""Files, policies, environments and usage pages: upload a file and attach it to a task, create a
policy from a template with the editor checking as you type, create and delete an environment."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.e2e.conftest import act, done, script
from tests.ui.conftest import open_page, shoot
from tests.ui.test_session_page import feed, start_from_form

NOTES = b"Meeting moved to Thursday 10:00\n"


def test_an_uploaded_file_is_attached_to_a_task_from_the_form(page, server, api, llm, site):
    open_page(page, server, "files")
    page.get_by_label("Files to upload").set_input_files([{"name": "notes.txt", "mimeType": "text/plain", "buffer": NOTES}])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Uploaded 1 file(s).")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="notes.txt")
    expect(row).to_contain_text("32 B")
    link = row.get_by_role("link", name="Download notes.txt").get_attribute("href")
    assert link and api.get(link).content == NOTES  # the download link serves the bytes
    shoot(page, "files")

    tag = script(llm, [act({"action": "upload_file", "index": {"$find": "Document to send"}, "file": "notes.txt"}),
                       done({"$match": r"Received [^\n]*"})])
    open_page(page, server, "sessions")
    page.wait_for_selector("form[data-choices=loaded]", state="attached")  # the lists fill in after the page is ready
    page.get_by_label("Files for the agent").select_option(label="notes.txt (32 B)")
    start_from_form(page, f"Send my notes {tag}", f"{site}/upload.html", one_off=True)
    expect(feed(page).filter(has_text="Received notes.txt (32 bytes): Meeting moved to Thursday 10:00")).to_be_visible()

    open_page(page, server, "files")  # and deleted: gone from the list and from the API
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete notes.txt").click()
    expect(page.get_by_role("row").filter(has_text="notes.txt")).to_have_count(0)
    assert all(f["name"] != "notes.txt" for f in api.get("/files").json()["files"])


def test_a_policy_is_created_from_a_template(page, server, api):
    open_page(page, server, "policies")
    editor, verdict = page.get_by_label("Policy (JSON; checked by the server as you type)"), page.locator("#check")
    page.get_by_label("Start from a template").select_option(label="Research only")
    expect(verdict).to_have_text("Valid policy.")
    template = editor.input_value()
    editor.fill(template.replace('"defaultAction"', '"defaultAction', 1))  # broken JSON
    expect(verdict).to_contain_text("Not valid JSON")
    expect(editor).to_have_attribute("aria-invalid", "")
    editor.fill(re.sub(r'"category": "[^"]+"', '"category": "teleport"', template, count=1))  # the server refuses it
    expect(verdict).to_contain_text("Invalid policy")
    expect(verdict).to_contain_text("teleport")
    page.get_by_role("button", name="Create policy").click()  # refused while invalid
    expect(editor).to_be_focused()
    editor.fill(template.replace('"name": "Research only"', '"name": "Research for the team"'))
    expect(verdict).to_have_text("Valid policy.")
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("row").filter(has_text="Research for the team")).to_contain_text("active")
    expect(page.get_by_role("button", name="Save policy")).to_be_visible()  # now editing what was saved
    shoot(page, "policies")
    names = [p["name"] for p in api.get("/policies").json()["policies"]]
    assert "Research for the team" in names


def test_environments_are_created_and_deleted(page, server, api):
    open_page(page, server, "environments")
    page.get_by_label("Name").fill("shop login")
    page.get_by_role("button", name="Create", exact=True).click()
    row = page.get_by_role("row").filter(has_text="shop login")
    expect(row).to_contain_text("empty")
    assert any(e["name"] == "shop login" for e in api.get("/environments").json()["environments"])
    shoot(page, "environments")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    assert not any(e["name"] == "shop login" for e in api.get("/environments").json()["environments"])


def test_usage_shows_the_days_and_the_balance(page, server, api):
    open_page(page, server, "usage")
    expect(page.locator("#balance")).to_have_text("Unlimited (this account is not charged).")
    days = api.get("/usage").json()["days"]
    today = datetime.now(UTC).date().isoformat()
    if days:  # tasks ran earlier in this module: today's row and a bar per day
        row = page.get_by_role("row").filter(has_text=today)
        expect(row.get_by_role("cell").nth(1)).to_have_text(str(days[-1]["tasks"]))
        expect(page.locator("#costChart rect")).to_have_count(30)  # a bar per day of the range, empty days too
        assert page.locator("#costChart rect").last.locator("title").text_content() == f"{today}: {days[-1]['cost']}"
    shoot(page, "usage")


def test_the_schema_editor_checks_as_you_type_and_the_json_result_comes_back(page, server, llm, site):
    tag = script(llm, [done({"title": "Reading list"})])
    page.get_by_label("Output", exact=True).select_option(label="JSON (with a schema)")
    editor, state = page.get_by_label("Output schema (JSON Schema; for CSV a list of column names)"), page.locator("#schemaState")
    expect(state).to_have_text("Valid JSON.")
    editor.fill('{"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]')
    expect(state).to_contain_text("Not valid")
    expect(editor).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Task", exact=True).fill(f"title {tag}")
    page.get_by_role("button", name="Start", exact=True).click()  # refused here, before any session starts
    expect(page.get_by_role("alert")).to_have_text("The output schema is not valid JSON.")
    expect(editor).to_be_focused()
    page.get_by_label("Output", exact=True).select_option(label="CSV (with a schema)")  # edited: kept as typed
    expect(state).to_contain_text("Not valid")
    page.get_by_label("Output", exact=True).select_option(label="JSON (with a schema)")
    editor.fill('{"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}')
    expect(state).to_have_text("Valid JSON.")
    start_from_form(page, f"title {tag}", f"{site}/list.html", one_off=True)
    expect(feed(page).filter(has_text='{"title":"Reading list"}')).to_be_visible()
    page.get_by_role("link", name="Open the task").click()
    page.wait_for_selector("body[data-ready]", state="attached")
    expect(page.get_by_role("region", name="Result").locator("pre")).to_have_text('{\n  "title": "Reading list"\n}')
