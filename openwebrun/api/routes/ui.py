"""/ui: the dashboard. Static pages and small scripts from the package (no build step, nothing from a
CDN); the pages call the public API with the key the person signed in with (see docs/dashboard.md)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from openwebrun.api.deps import Services, services
from openwebrun.api.errors import ApiError

UI_DIR = Path(__file__).resolve().parent.parent / "static" / "ui"
PAGES = ("sessions", "session", "task", "files", "environments", "policies", "usage", "admin", "signin")
# Pages are small and change with the package: revalidate every time; assets may be cached a while.
PAGE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

# Scripts and styles come from /ui/static only (inline style attributes are allowed: the pages use a
# few); the player frame is this server's, also at its public URL; nothing may frame the dashboard.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-src 'self'{frames}; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

router = APIRouter(prefix="/ui", include_in_schema=False)


def content_policy(public_url: str | None) -> str:
    """The pages' Content-Security-Policy; the public URL's origin may serve the player frame."""
    parts = urlsplit(public_url or "")
    return CSP.format(frames=f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "")


@router.get("")
async def home() -> RedirectResponse:
    return RedirectResponse("ui/sessions", status_code=307)  # relative: a public path prefix is kept


@router.get("/{page}")
async def page(page: str, svc: Services = Depends(services)) -> FileResponse:
    if page not in PAGES:
        raise ApiError(404, "No such dashboard page.", "NOT_FOUND")
    return FileResponse(UI_DIR / f"{page}.html", media_type="text/html",
                        headers={**PAGE_HEADERS, "Content-Security-Policy": content_policy(svc.settings.public_url)})


def assets() -> StaticFiles:
    """The pages' CSS, scripts and vendored libraries, mounted at /ui/static."""
    return StaticFiles(directory=UI_DIR / "static")
