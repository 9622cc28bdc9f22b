"""Finding and launching the system Chromium through Playwright."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

# The browser itself must make no calls home.
QUIET_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

# WebRTC may send UDP only through the proxy, that is not at all: the reach proxy sees every connection.
REACH_FLAGS = ["--webrtc-ip-handling-policy=disable_non_proxied_udp"]

CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

VIEWPORT = {"width": 1024, "height": 445}


def find_chromium(configured: str | None = None) -> str | None:
    """The configured path, else a system Chromium, else Playwright's downloaded one."""
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None  # Playwright then uses its own downloaded Chromium, if any


def launch_args() -> list[str]:
    args = QUIET_FLAGS + REACH_FLAGS
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


async def launch_chromium(pw: Playwright, executable: str | None, headless: bool = True,
                          extra_args: list[str] | None = None, proxy_server: str | None = None) -> Browser:
    """Launch one Chromium process (with `proxy_server` as the whole process's proxy). Without an
    executable, Playwright's own build is used."""
    return await pw.chromium.launch(
        executable_path=executable,
        proxy={"server": proxy_server} if proxy_server else None,
        headless=headless,
        args=launch_args() + list(extra_args or []),
        handle_sigint=False,
        handle_sigterm=False,
        handle_sighup=False,
        timeout=30_000,
    )
