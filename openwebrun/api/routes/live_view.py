"""The live view: /stream/:sessionId/:viewToken (the player page), its WHEP endpoint and its WebSocket.

The view token in the path is the credential (services/links.py): a wrong token, or a session
that has ended, answers 401. WHEP answers carry CORS headers so a page on any origin can play
the stream; the page may be framed by any site.
"""
from __future__ import annotations

import json
from importlib import resources

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from openwebrun.api.deps import Services, services
from openwebrun.api.errors import http_status
from openwebrun.api.presenters import error_body
from openwebrun.domain.commands import STREAM_BAR_HEIGHT, STREAM_HEIGHT, STREAM_WIDTH
from openwebrun.domain.errors import Refused

router = APIRouter(prefix="/stream", include_in_schema=False)  # documented in docs/live-view.md
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "POST, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization, If-Match",
        "Access-Control-Expose-Headers": "Location, Link, ETag, Accept-Post",
        "Access-Control-Max-Age": "600"}
NOT_VALID = "This live view is not valid: the view token is wrong or the session has ended."
MAX_OFFER_BYTES = 64 * 1024


async def view_ok(svc: Services, session_id: str, token: str) -> bool:
    return svc.links.view_ok(session_id, token) and await svc.runtime.owner(session_id) is not None


def _ice_links(svc: Services) -> dict[str, str]:
    """WHEP's way of telling a client the ICE servers: Link headers with rel="ice-server"."""
    links = []
    for server in svc.settings.webrtc_ice_servers:
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        for url in urls:
            link = f'<{url}>; rel="ice-server"'
            if server.get("username"):
                link += f'; username="{server["username"]}"; credential="{server.get("credential", "")}"'
                link += '; credential-type="password"'
            links.append(link)
    return {"Link": ", ".join(links)} if links else {}


def _error(status: int, message: str, code: str) -> Response:
    return Response(json.dumps(error_body(message, code)), status_code=status, media_type="application/json",
                    headers=CORS)


@router.get("/{session_id}/{token}")
async def page(session_id: str, token: str, svc: Services = Depends(services)) -> HTMLResponse:
    if not await view_ok(svc, session_id, token):
        return HTMLResponse(UNAUTHORIZED_PAGE, status_code=401)
    config = {"iceServers": svc.settings.webrtc_ice_servers, "fallbackMs": svc.settings.live_view_fallback_ms,
              "width": STREAM_WIDTH, "height": STREAM_HEIGHT, "bar": STREAM_BAR_HEIGHT}
    html = _asset("live_view.html").replace(
        "/*CONFIG*/{}", json.dumps(config).replace("<", "\\u003c")).replace("/*SCRIPT*/", _asset("live_view.js"))
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.options("/{session_id}/{token}/whep")
@router.options("/{session_id}/{token}/whep/{resource}")
async def whep_options(svc: Services = Depends(services)) -> Response:
    return Response(status_code=204, headers={**CORS, "Accept-Post": "application/sdp", **_ice_links(svc)})


@router.post("/{session_id}/{token}/whep")
async def whep_offer(session_id: str, token: str, request: Request, svc: Services = Depends(services)) -> Response:
    if not await view_ok(svc, session_id, token):
        return _error(401, NOT_VALID, "UNAUTHORIZED")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/sdp":
        return _error(415, "Send the SDP offer as the body with Content-Type: application/sdp.", "UNSUPPORTED_MEDIA_TYPE")
    body = await request.body()
    try:
        offer = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "The SDP offer is not UTF-8 text.", "BAD_OFFER")
    if not offer.strip() or len(body) > MAX_OFFER_BYTES:
        return _error(400, f"The body must be an SDP offer of at most {MAX_OFFER_BYTES} bytes.", "BAD_OFFER")
    try:
        resource, answer = await svc.runtime.whep_offer(session_id, offer)
    except Refused as refused:
        status = 401 if refused.code == "SESSION_NOT_FOUND" else http_status(refused)
        return _error(status, NOT_VALID if status == 401 else refused.message, refused.code)
    location = f"{svc.links.base_url}/stream/{session_id}/{token}/whep/{resource}"
    return Response(answer, status_code=201, media_type="application/sdp",
                    headers={**CORS, "Location": location, "ETag": f'"{resource}"', **_ice_links(svc)})


@router.delete("/{session_id}/{token}/whep/{resource}")
async def whep_end(session_id: str, token: str, resource: str, svc: Services = Depends(services)) -> Response:
    if not svc.links.view_ok(session_id, token):
        return _error(401, NOT_VALID, "UNAUTHORIZED")
    if not await svc.runtime.whep_end(session_id, resource):
        return _error(404, "No such WHEP session: it has ended already.", "NOT_FOUND")
    return Response(status_code=200, headers=CORS)


def _asset(name: str) -> str:
    return resources.files("openwebrun.api").joinpath("static", name).read_text(encoding="utf-8")


UNAUTHORIZED_PAGE = f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Live view</title>
<body style="font: 16px system-ui; margin: 3em"><h1>Live view not available</h1><p>{NOT_VALID}</p></body></html>"""
