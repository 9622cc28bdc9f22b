"""The OpenAPI document, made to match what the server does.

- FastAPI documents a 422 with its own error shape for every route with parameters; this server
  answers validation errors with 400 and the native error body (documented per route), so the 422
  and its schemas are taken out.
- send-message takes `message` as an object and dispatches on `message.actionType`; the document
  lists the accepted shapes: every wire model in api/schemas.py with an `actionType` field.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from openwebrun.api import schemas

REF = "#/components/schemas/{model}"

DESCRIPTION = ("The WebRun browser-agent API as implemented by openwebrun. Every error answers "
               '`{"success": false, "error": "<message>", "code": "<CODE>"}`; see docs/api.md.')


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes)
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    operation.get("responses", {}).pop("422", None)
            components = document.setdefault("components", {}).setdefault("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            _document_messages(components)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def message_models() -> list[type[BaseModel]]:
    """The `message` shapes of send-message, one per model with an `actionType` field."""
    return [model for model in vars(schemas).values()
            if isinstance(model, type) and issubclass(model, BaseModel) and "actionType" in model.model_fields]


def _document_messages(components: dict[str, Any]) -> None:
    carrier = components.get("SendMessageIn", {}).get("properties", {})
    models = message_models()
    if "message" not in carrier or not models:
        return
    refs, definitions = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    for name, schema in definitions.get("$defs", {}).items():
        components.setdefault(name, schema)
    carrier["message"] = {"title": "Message", "description": "What to do, by `actionType`.",
                          "anyOf": [refs[(m, "validation")] for m in models]}
