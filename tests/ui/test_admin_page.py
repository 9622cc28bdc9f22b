"""Accounts and keys: an admin creates and credits an account and a key for it; the new key signs in
(without the admin page in its navigation); revoked, it is refused; the account is deactivated."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.ui.conftest import open_page, shoot, sign_in

ADMIN_LINK = "Accounts and keys"


def test_an_admin_manages_accounts_and_keys(page, server, api, browser, context):
    nav = page.get_by_role("navigation", name="Dashboard")
    nav.get_by_role("link", name=ADMIN_LINK).click()
    page.wait_for_selector("body[data-ready]", state="attached")
    expect(page.get_by_role("heading", name=ADMIN_LINK, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=ADMIN_LINK)).to_have_attribute("aria-current", "page")

    page.get_by_label("Account name").fill("Team Green")
    page.get_by_label("Starting balance (USD)").fill("5")
    page.get_by_label("Live sessions at once").fill("2")
    page.get_by_label("Account name").press("Enter")  # the keyboard submits the form
    expect(page.get_by_text("Created account Team Green.")).to_be_visible()
    account = api.get("/admin/accounts").json()["accounts"][-1]
    assert account["name"] == "Team Green" and account["balance"] == 5 and account["sessionLimit"] == 2
    account = account["accountId"]
    row = page.locator(f"#accounts tr[data-account='{account}']")
    expect(row).to_contain_text("Team Green")
    expect(row).to_contain_text("$5.0000")
    expect(row).to_contain_text("active")

    page.get_by_label("Account to credit").select_option(label="Team Green")
    page.get_by_label("Amount (USD; negative takes away)").fill("2.5")
    page.get_by_role("button", name="Credit", exact=True).click()
    expect(page.get_by_text("Team Green: balance $7.5000.")).to_be_visible()
    expect(row).to_contain_text("$7.5000")

    page.get_by_label("Account name").fill("   ")  # refused by the server, said in the alert
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#error")).to_have_text("name: String should have at least 1 character")
    expect(page.get_by_label("Account name")).to_be_focused()

    expect(page.get_by_label("Key for account")).to_have_value(account)  # the account just made
    page.get_by_label("Key name").fill("green laptop")
    page.get_by_role("button", name="Create key").click()
    secret_field = page.get_by_label("Secret of the new key")
    expect(secret_field).to_be_focused()
    secret = secret_field.input_value()
    assert secret.startswith("owr_")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    page.get_by_role("button", name="Copy key").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    key_row = page.locator("#keys tr").filter(has_text="green laptop")
    expect(key_row).to_contain_text("Team Green")
    expect(key_row).to_contain_text("task:create, read")
    assert secret not in page.locator("main").inner_text()  # only in the field
    shoot(page, "admin")
    page.get_by_role("button", name="Done").click()
    expect(secret_field).to_be_hidden()
    assert page.evaluate("document.getElementById('secret').value") == ""  # the secret leaves the page

    other = browser.new_context(viewport={"width": 1280, "height": 800})  # the new key, in its own browser
    try:
        theirs = sign_in(other.new_page(), server, secret)
        expect(theirs.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Sessions")).to_be_visible()
        expect(theirs.get_by_role("link", name=ADMIN_LINK)).to_have_count(0)
        expect(theirs.get_by_text("Team Green · balance $7.5000")).to_be_visible()
        open_page(theirs, server, "admin")
        expect(theirs.get_by_role("alert").first).to_contain_text("lacks permission")
        expect(theirs.get_by_role("button", name="Create key")).to_be_hidden()

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=re.compile(r"Revoke key green laptop")).click()
        expect(key_row).to_contain_text("revoked")
        expect(key_row.get_by_role("button")).to_have_count(0)
        theirs.reload()  # the next call with the revoked key is refused: back to sign-in
        expect(theirs).to_have_url(re.compile(r"/ui/signin"))
        expect(theirs.get_by_role("alert")).to_have_text("Invalid API key.")
        theirs.get_by_label("API key").fill(secret)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("alert")).to_have_text("This API key is not valid.")
    finally:
        other.close()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate Team Green").click()
    expect(row).to_contain_text("inactive")
    assert {a["accountId"]: a for a in api.get("/admin/accounts").json()["accounts"]}[account]["active"] is False


def test_the_admin_page_is_only_for_admin_keys(context, server):
    key = server.create_key()  # an ordinary key of a new account
    page = sign_in(context.new_page(), server, key)
    expect(page.get_by_role("link", name=ADMIN_LINK)).to_have_count(0)
    open_page(page, server, "admin")
    expect(page.get_by_role("alert").first).to_have_text(
        "This API key lacks permission to manage accounts and keys: that needs a key with the admin scope.")
    shoot(page, "admin-refused")
