"""`openwebrun env import-chrome PROFILE_DIR`: an environment archive from a Chromium profile on disk.

Chromium reads its own profile: a copy of it is opened in the system Chromium (Playwright's
persistent context, every request answered locally with an empty page, so nothing goes out), each
origin that keeps localStorage or IndexedDB is opened once, and the storage state is read back.

Cookies: Chromium on Linux encrypts cookie values either with a fixed key ("v10", the `basic`
password store, which this Chromium can read) or with a key from the OS keyring ("v11", GNOME
Keyring or KWallet), which it cannot. A profile with keyring-encrypted cookies is refused with a
message that says so, rather than imported without its logins.
"""
from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Route, async_playwright

from openwebrun.browser.launch import launch_args

SKIPPED = ("Cache", "Code Cache", "GPUCache", "DawnCache", "GrShaderCache", "ShaderCache", "Service Worker",
           "SingletonLock", "SingletonSocket", "SingletonCookie", "lockfile")
_STORAGE_ORIGIN = re.compile(rb"(?:META:|_)(https?://[A-Za-z0-9.\-\[\]:]+?)(?=[\x00/]|$)")
_IDB_DIR = re.compile(r"(https?)_(.+)_(\d+)\.indexeddb\.leveldb")
BLANK = "<!doctype html><title>import</title>"
ORIGIN_TIMEOUT_MS = 10_000


class ImportRefused(Exception):
    """The profile cannot be imported; the message says why and what to do."""


@dataclass
class CookieCount:
    total: int
    keyring: int  # encrypted with the OS keyring (v11): unreadable here
    other: int  # encrypted in a way this tool does not know


@dataclass
class Imported:
    state: dict[str, Any]
    origins_visited: int


def profile_folder(path: Path) -> Path:
    """The profile folder itself (holding Cookies), given it or the user-data folder around it."""
    for candidate in (path, path / "Default"):
        if (candidate / "Cookies").is_file() or (candidate / "Network" / "Cookies").is_file() \
                or (candidate / "Local Storage").is_dir() or (candidate / "Preferences").is_file():
            return candidate
    raise ImportRefused(f"{path} is not a Chromium profile: no Cookies, Local Storage or Preferences in it "
                        "(give the profile folder, e.g. ~/.config/chromium/Default)")


def cookie_file(profile: Path) -> Path | None:
    for candidate in (profile / "Network" / "Cookies", profile / "Cookies"):
        if candidate.is_file():
            return candidate
    return None


def count_cookies(path: Path) -> CookieCount:
    """How the profile's cookies are stored (read from a copy: Chromium may hold the file)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "Cookies"
        shutil.copyfile(path, copy)
        try:
            with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as db:
                db.text_factory = bytes
                rows = db.execute("SELECT value, CAST(encrypted_value AS BLOB) FROM cookies").fetchall()
        except sqlite3.Error as exc:
            raise ImportRefused(f"{path} is not a readable Chromium cookie database ({exc})") from None
    keyring = sum(1 for _value, enc in rows if bytes(enc or b"")[:3] == b"v11")
    other = sum(1 for _value, enc in rows if enc and bytes(enc)[:3] not in (b"v10", b"v11"))
    return CookieCount(total=len(rows), keyring=keyring, other=other)


def check_cookies(count: CookieCount, path: Path) -> None:
    if count.keyring:
        raise ImportRefused(
            f"{count.keyring} of {count.total} cookies in {path} are encrypted with the OS keyring (v11: GNOME Keyring "
            "or KWallet), which this tool cannot read, so the profile's logins cannot be imported. Start Chromium "
            "with --password-store=basic, log in again and import that profile, or build state.json yourself "
            "(see docs/environments.md).")
    if count.other:
        raise ImportRefused(
            f"{count.other} of {count.total} cookies in {path} are encrypted in a way this tool cannot read "
            "(a profile made on macOS or Windows?). Import the profile on the machine that made it with "
            "--password-store=basic, or build state.json yourself (see docs/environments.md).")


def storage_origins(profile: Path) -> list[str]:
    """Origins that keep localStorage (from its LevelDB files) or IndexedDB (from its folder names)."""
    found: dict[str, None] = {}
    leveldb = profile / "Local Storage" / "leveldb"
    for path in sorted(leveldb.glob("*")) if leveldb.is_dir() else []:
        if path.suffix in (".log", ".ldb"):
            for match in _STORAGE_ORIGIN.finditer(path.read_bytes()):
                found[match.group(1).decode("ascii", "replace")] = None
    idb = profile / "IndexedDB"
    for path in sorted(idb.iterdir()) if idb.is_dir() else []:
        if named := _IDB_DIR.fullmatch(path.name):
            scheme, host, port = named.groups()
            default = (scheme == "https" and port == "443") or (scheme == "http" and port == "80") or port == "0"
            found[f"{scheme}://{host}" + ("" if default else f":{port}")] = None
    return list(found)


def _ignore(_folder: str, names: Iterable[str]) -> set[str]:
    return {n for n in names if n in SKIPPED}


async def read_profile(profile: Path, chromium: str | None) -> Imported:
    """The profile's storage state, read by Chromium from a copy of the profile."""
    origins = storage_origins(profile)
    with tempfile.TemporaryDirectory(prefix="openwebrun-import-") as scratch:
        user_data = Path(scratch)
        await asyncio.to_thread(shutil.copytree, profile, user_data / "Default", ignore=_ignore)
        async with async_playwright() as pw:
            context = await pw.chromium.launch_persistent_context(
                user_data, executable_path=chromium, headless=True, args=launch_args(), timeout=30_000)
            try:
                await context.route("**/*", _blank)
                page = await context.new_page()
                visited = 0
                for origin in origins:
                    try:
                        await page.goto(origin + "/", timeout=ORIGIN_TIMEOUT_MS)
                        visited += 1
                    except Exception as exc:  # an origin Chromium will not open: its storage is left out
                        print(f"  skipped {origin}: {exc}")
                state = await context.storage_state(indexed_db=True)
            finally:
                await context.close()
    return Imported(state={"cookies": list(state.get("cookies", [])), "origins": list(state.get("origins", []))},
                    origins_visited=visited)


async def _blank(route: Route) -> None:
    await route.fulfill(status=200, content_type="text/html", body=BLANK)
