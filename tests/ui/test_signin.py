"""Signing in: a good key reaches the sessions page; a wrong or deactivated one is told so and stays out."""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.ui.conftest import open_page, shoot, sign_in


def test_a_wrong_key_is_refused_and_a_good_one_signs_in(context, server):
    page = context.new_page()
    page.goto(f"{server.base_url}/ui")  # /ui is the sessions page; not signed in: sent to sign in, told where next
    expect(page).to_have_url(re.compile(r"/ui/signin\?next=sessions$"))
    assert page.request.get(f"{server.base_url}/ui/nothing").status == 404
    sign_in(page, server)
    open_page(page, server, "task?session=../files&task=x")  # only ids of the server's form are used
    expect(page.get_by_role("alert")).to_have_text("Could not load the task: the address names no task.")
    open_page(page, server, "session?id=nope")
    expect(page.get_by_text("This session has ended.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("body[data-ready]", state="attached")
    page.get_by_label("API key").fill("owr_not_a_key_at_all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("This API key is not valid.")
    assert page.evaluate("sessionStorage.getItem('openwebrun.apiKey')") is None
    shoot(page, "signin-refused")

    sign_in(page, server)
    expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Sessions")).to_have_attribute(
        "aria-current", "page")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    open_page(page, server, "usage")  # the key is gone with the sign-out
    expect(page).to_have_url(re.compile(r"/ui/signin\?next=usage"))


def test_a_deactivated_account_is_told_so(context, server):
    made = server.cli("accounts", "create", f"team-{time.monotonic_ns()}", "--key")
    assert made.returncode == 0, made.stderr
    account = re.search(r"created account (\w+)", made.stdout).group(1)
    key = made.stdout.strip().splitlines()[-1]
    page = sign_in(context.new_page(), server, key)  # works while the account is active
    assert server.cli("accounts", "deactivate", account).returncode == 0
    page.reload()  # the next call is refused: back to sign-in, saying why
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    expect(page.get_by_role("alert")).to_contain_text("deactivated")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("This key's account is deactivated.")
    shoot(page, "signin-deactivated")


def test_dark_scheme_and_keyboard_start(browser, server):
    """With the system in dark mode the pages are dark; the first Tab reaches the skip link, which
    moves the focus past the header."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        page = sign_in(context.new_page(), server)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#main$"))
        shoot(page, "sessions-dark")
    finally:
        context.close()


def test_pages_run_only_their_own_scripts_and_cannot_be_framed(browser, server):
    context = browser.new_context()  # its own: the refusal below is expected (the shared fixture allows none)
    try:
        page = context.new_page()
        response = page.goto(f"{server.base_url}/ui/signin")
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, policy
        page.wait_for_selector("body[data-ready]", state="attached")
        with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
            page.evaluate("""() => { const s = document.createElement('script');
                                     s.textContent = 'window.injected = true'; document.head.append(s); }""")
        assert page.evaluate("() => window.injected === undefined")  # an injected inline script did not run

        page.goto(f"{server.base_url}/start/health")  # another page of the same server tries to frame one
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
            page.evaluate(f"""() => {{ const f = document.createElement('iframe');
                                       f.src = '{server.base_url}/ui/signin'; document.body.append(f); }}""")
    finally:
        context.close()
