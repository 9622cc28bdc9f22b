"""The OpenAPI document, made to match what the server does.

- FastAPI documents a 422 with its own error shape for every route with parameters; this server
  answers validation errors with 400 and the native error body (documented per route), so the 422
  and its schemas are taken out.
- send-message takes `message` as an object and dispatches on `message.actionType`; the document
  lists the accepted shapes: every wire model in api/schemas.py with an `actionType` field.
- The request guard refuses NUL characters in any string or key of a body (api/guard.py); the
  request schemas say so: a pattern on their strings and names, and free-form values (extra
  fields, `outputSchema`) are JsonValue, any JSON without NUL.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from openwebrun.api import schemas

REF = "#/components/schemas/{model}"
NO_NUL = "^[^\\u0000]*$"
JSON_VALUE_REF = {"$ref": REF.format(model="JsonValue")}
JSON_VALUE = {"description": "Any JSON value without NUL characters.", "anyOf": [
    {"type": ["null", "boolean", "number"]},
    {"type": "string", "pattern": NO_NUL},
    {"type": "array", "items": JSON_VALUE_REF},
    {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": JSON_VALUE_REF},
]}
ANNOTATIONS = {"title", "description", "default", "examples"}

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
            _no_nul_in_requests(document, components)
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


def _no_nul_in_requests(document: dict[str, Any], components: dict[str, Any]) -> None:
    """State the guard's NUL rule in every schema a request body uses."""
    bodies = [media["schema"] for item in document.get("paths", {}).values() for operation in item.values()
              for media in operation.get("requestBody", {}).get("content", {}).values() if "schema" in media]
    names: set[str] = set()
    todo: list[Any] = list(bodies)
    while todo:  # the components the request bodies refer to, directly or not
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] not in names:
                names.add(ref.rsplit("/", 1)[1])
                todo.append(components.get(ref.rsplit("/", 1)[1]))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    components["JsonValue"] = JSON_VALUE
    for name in sorted(names):
        if name in components:
            _mark(components[name])


def _mark(schema: dict[str, Any]) -> None:
    todo = [schema]
    while todo:
        node = todo.pop()
        if set(node) <= ANNOTATIONS:  # free-form: any JSON value
            node.update(JSON_VALUE_REF)
            continue
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "string" in kinds and not {"pattern", "enum", "const", "format"} & set(node):
            node["pattern"] = NO_NUL
        if "object" in kinds or "properties" in node:
            node.setdefault("propertyNames", {"pattern": NO_NUL})
            if node.get("additionalProperties", True) is True:
                node["additionalProperties"] = dict(JSON_VALUE_REF)
        for key in ("properties", "$defs"):
            todo.extend(v for v in node.get(key, {}).values() if isinstance(v, dict))
        for key in ("items", "additionalProperties", "not", "if", "then", "else"):
            if isinstance(node.get(key), dict) and node[key] is not JSON_VALUE_REF:
                todo.append(node[key])
        for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
            todo.extend(v for v in node.get(key, []) if isinstance(v, dict))
