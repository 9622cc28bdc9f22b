"""`openwebrun env import-chrome`: a real Chromium profile, logged in on the fixture site, becomes an
archive that starts a session logged in; a profile whose cookies the OS keyring encrypts is refused."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import SITE, terminate
from tests.e2e.test_environments import create, seen, upload, visit
from tests.support.recording_site import recording_site


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="60")


@pytest.fixture(scope="module")
def site():
    with recording_site(SITE) as recording:
        yield recording


@pytest.fixture(scope="module")
def chrome_profile(site, tmp_path_factory) -> Path:
    """A Chromium user-data folder where someone logged in to the fixture site (then closed the browser)."""
    user_data = tmp_path_factory.mktemp("chromium-user")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(user_data, executable_path=shutil.which("chromium"),
                                                        headless=True, args=["--no-sandbox"])
        page = context.new_page()
        page.goto(f"{site.url}/profile.html?visit=own-browser")
        page.click("#login")
        site.wait_report("logged-in", visit="own-browser")
        context.close()
    return user_data


def import_chrome(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "openwebrun.cli", "env", "import-chrome", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_imported_profile_starts_logged_in(server, llm, site, chrome_profile, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("kept with the environment")
    archive = tmp_path / "mine.tar.gz"
    done = import_chrome(str(chrome_profile / "Default"), "-o", str(archive), "--file", str(notes))
    assert done.returncode == 0, done.stderr
    assert "1 cookies" in done.stdout and "1 IndexedDB databases" in done.stdout

    with server.client() as api:
        env = create(api, "from my browser")
        assert upload(api, env["_id"], archive.read_bytes()).status_code == 200
        files = api.get(f"/environments/{env['_id']}/files").json()["files"]
        assert [(f["originalName"], f["size"]) for f in files] == [("notes.txt", notes.stat().st_size)]
        session = visit(api, llm, site, {"environmentId": env["_id"]}, "imported")
        # sessionStorage belongs to a tab and does not outlive the browser: the rest is there
        assert seen(site, "imported") == {"cookie": "ada", "local": "tok-ada-1", "session": None, "idb": "ada"}
        terminate(api, session)


def test_keyring_encrypted_cookies_are_refused_clearly(chrome_profile, tmp_path):
    copy = tmp_path / "Default"
    shutil.copytree(chrome_profile / "Default", copy)
    with sqlite3.connect(copy / "Cookies") as db:  # as GNOME Keyring / KWallet leave them
        db.execute("UPDATE cookies SET encrypted_value = CAST(X'763131' || substr(encrypted_value, 4) AS BLOB)")
    refused = import_chrome(str(copy), "-o", str(tmp_path / "out.tar.gz"))
    assert refused.returncode == 2
    assert "encrypted with the OS keyring" in refused.stderr and "--password-store=basic" in refused.stderr
    assert not (tmp_path / "out.tar.gz").exists()


def test_not_a_profile_is_refused(tmp_path):
    refused = import_chrome(str(tmp_path), "-o", str(tmp_path / "out.tar.gz"))
    assert refused.returncode == 2 and "is not a Chromium profile" in refused.stderr
