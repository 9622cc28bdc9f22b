"""OpenAI's error shape on every error of /v1: {"error": {"message", "type", "code", "param"}}."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openwebrun.api.errors import ApiError, http_status, validation_message
from openwebrun.domain.errors import Refused

log = logging.getLogger(__name__)

TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_quota",
         403: "permission_error", 404: "invalid_request_error", 409: "invalid_request_error",
         413: "invalid_request_error", 422: "guardrail_error", 429: "rate_limit_error", 503: "server_error"}


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, code: str, type_: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.type = type_ or TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "code": self.code, "param": self.param}}


def _answer(exc: OpenAIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


def from_refused(refused: Refused) -> OpenAIError:
    status = http_status(refused)
    code = "invalid_api_key" if refused.code == "UNAUTHORIZED" else refused.code.lower()
    return OpenAIError(status, refused.message, code)


def install(app: FastAPI) -> None:
    @app.exception_handler(OpenAIError)
    async def openai_error(_request: Request, exc: OpenAIError) -> JSONResponse:
        return _answer(exc)

    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        return _answer(from_refused(exc))

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        answer = _answer(OpenAIError(exc.status, exc.message, exc.code.lower()))
        answer.headers.update(exc.headers)
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        param = ".".join(str(p) for p in errors[0].get("loc", ()) if p != "body") if errors else None
        return _answer(OpenAIError(400, validation_message(errors), "invalid_request", param=param or None))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(OpenAIError(exc.status_code, str(exc.detail), code).body(), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _answer(OpenAIError(500, "Internal server error.", "internal_error"))
