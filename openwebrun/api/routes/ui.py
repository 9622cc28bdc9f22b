"""/ui: the dashboard. Static pages and small scripts from the package (no build step, nothing from a
CDN); the pages call the public API with the key the person signed in with (see docs/dashboard.md)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from openwebrun.api.errors import ApiError

UI_DIR = Path(__file__).resolve().parent.parent / "static" / "ui"
PAGES = ("sessions", "session", "task", "files", "environments", "policies", "usage", "admin", "signin")
# Pages are small and change with the package: revalidate every time; assets may be cached a while.
PAGE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("")
async def home() -> RedirectResponse:
    return RedirectResponse("ui/sessions", status_code=307)  # relative: a public path prefix is kept


@router.get("/{page}")
async def page(page: str) -> FileResponse:
    if page not in PAGES:
        raise ApiError(404, "No such dashboard page.", "NOT_FOUND")
    return FileResponse(UI_DIR / f"{page}.html", media_type="text/html", headers=PAGE_HEADERS)


def assets() -> StaticFiles:
    """The pages' CSS, scripts and vendored libraries, mounted at /ui/static."""
    return StaticFiles(directory=UI_DIR / "static")
