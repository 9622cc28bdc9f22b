"""The API reference at /docs renders in real Chromium from the server's own assets: no request leaves it."""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import async_playwright

from openwebrun.browser.launch import find_chromium


async def test_docs_loads_locally_and_lists_the_endpoints(server):
    own = urlsplit(server.base_url).netloc
    requested: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(None), args=[
            "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
            "--no-sandbox"])
        try:
            page = await browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(server.base_url + "/docs")
            await page.wait_for_selector(".opblock-summary-path", timeout=30_000)
            text = await page.inner_text("body")
        finally:
            await browser.close()
    for endpoint in ("/start/start-session", "/start/run-task", "/start/send-message", "/files/upload"):
        assert endpoint in text, endpoint
    outside = [url for url in requested if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != own]
    assert not outside, outside
    assert any(url.endswith("/openapi.json") for url in requested)
