"""One error shape for the native API: {"success": false, "error", "code"} with the spec's status."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openwebrun.api.presenters import error_body
from openwebrun.domain.errors import Kind, Refused

log = logging.getLogger(__name__)

STATUS_OF_KIND = {
    Kind.INVALID: 400, Kind.UNAUTHORIZED: 401, Kind.FORBIDDEN: 403, Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409, Kind.TOO_LARGE: 413, Kind.PAYMENT_REQUIRED: 402, Kind.TOO_MANY: 429,
    Kind.UNAVAILABLE: 503,
}


class ApiError(Exception):
    """A request refused by the HTTP layer itself: status, message and stable code."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request, route: Any) -> list[str] | None:
    """The methods of the path the router matched (`route`'s path template), as the OpenAPI
    document lists them: one path may have several routes (GET and POST /policies). None when
    the path is not in the document."""
    path = getattr(route, "path_format", None)
    item = request.app.openapi().get("paths", {}).get(path) if path else None
    if not isinstance(item, dict):
        return None
    return [m for m in METHODS if m.lower() in item]


def http_status(refused: Refused) -> int:
    return STATUS_OF_KIND[refused.kind]


def validation_message(errors: Sequence[Any]) -> str:
    """Pydantic errors as one readable sentence per problem."""
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            parts.append(f"{loc} is required" if loc else "a JSON request body is required")
        else:
            parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "Invalid request body."


HTTP_CODES = {400: "VALIDATION_ERROR", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.code), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.code, exc.details), status_code=http_status(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(validation_message(exc.errors()), "VALIDATION_ERROR"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        headers = exc.headers
        route = request.scope.get("route")
        if exc.status_code == 405 and request.method not in (getattr(route, "methods", None) or ()):
            # refused by the router: every route of the path, not only the first one's methods
            # (a 405 a handler raised itself keeps the Allow it chose)
            allowed = allowed_methods(request, route)
            if allowed:
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return JSONResponse(error_body(str(exc.detail), code), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("Internal server error.", "INTERNAL_ERROR"), status_code=500)
