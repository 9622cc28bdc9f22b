"""`openwebrun doctor`: what works, what is missing, and how to fix it."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from openwebrun.browser.launch import find_chromium
from openwebrun.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


async def check_chromium(settings: Settings) -> Check:
    from playwright.async_api import async_playwright

    from openwebrun.browser.launch import launch_chromium

    path = find_chromium(settings.chromium_path)
    try:
        async with async_playwright() as pw:
            browser = await launch_chromium(pw, path, headless=True)
            version = browser.version
            await browser.close()
        return Check("chromium", True, f"{path or 'Playwright bundled'} (version {version})")
    except Exception as exc:
        hint = ("install it: `apt-get install -y chromium` (as root) or `python -m playwright install chromium`, "
                "or set OPENWEBRUN_CHROMIUM_PATH")
        return Check("chromium", False, f"cannot start Chromium at {path or 'Playwright bundled'}: "
                                         f"{str(exc).splitlines()[0]}; {hint}")


async def check_database(settings: Settings) -> Check:
    from openwebrun.store.migrate import upgrade

    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.wait_for(upgrade(settings.database_url), timeout=30)
        return Check("database", True, _redact(settings.database_url or ""))
    except Exception as exc:
        return Check("database", False, f"{_redact(settings.database_url or '')}: {exc}; set OPENWEBRUN_DATABASE_URL")


async def check_llm(settings: Settings) -> Check:
    if not settings.model:
        return Check("llm", False, "no model configured: set OPENWEBRUN_MODEL (e.g. gpt-4o-mini) and OPENAI_API_KEY, "
                                   "or OPENAI_BASE_URL for a local OpenAI-compatible server; tasks fail with "
                                   "LLM_NOT_CONFIGURED until then", required=False)
    if settings.llm_provider == "anthropic":
        return Check("llm", True, f"anthropic model {settings.model}")
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{base}/models", headers=headers)
        if response.status_code >= 400:
            return Check("llm", False, f"{base} answered {response.status_code} to GET /models; check OPENAI_API_KEY",
                         required=False)
        return Check("llm", True, f"model {settings.model} at {base}")
    except httpx.HTTPError as exc:
        return Check("llm", False, f"cannot reach {base}: {exc.__class__.__name__}; check OPENAI_BASE_URL",
                     required=False)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


async def run_checks(settings: Settings) -> list[Check]:
    return [await check_chromium(settings), await check_database(settings), await check_llm(settings)]
