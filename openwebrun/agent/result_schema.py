"""The schema done.result is narrowed to in the decision schema, from the task's output type.

Servers with constrained decoding then enforce the caller's shape while the model writes; the output
check after `done` stays the second line. Narrowing is exact or not done at all:
- structured_json: the caller's outputSchema, with every object whose properties are all required
  closed (`additionalProperties: false`, which any value valid for the copy is for the original too),
  so that OpenAI's strict mode can take it; a schema with references or ids is not narrowed (under
  done.result its `#/...` references would point into the decision schema);
- structured_csv: a list of row objects with exactly the columns, each cell a string;
- text: not narrowed.
"""
from __future__ import annotations

import copy
from typing import Any

from openwebrun.domain.models import OutputType

# Keywords that tie a schema to its own document: it cannot be moved under done.result as it is.
ROOTED = ("$ref", "$dynamicRef", "$recursiveRef", "$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor")
# Beside these, closing an object could forbid a property the schema allows or requires: left open.
_COMBINED = ("allOf", "anyOf", "oneOf", "not", "if", "dependentSchemas", "dependentRequired",
             "patternProperties", "unevaluatedProperties", "additionalProperties")
# Where closing a subschema only narrows the whole (not under not, if, allOf, ...).
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "prefixItems")
_SUBSCHEMAS = ("items", "additionalProperties")


def result_schema(output_type: OutputType, output_schema: Any) -> dict[str, Any] | None:
    """What done.result must be for this output type, or None to leave it any JSON value."""
    if output_type is OutputType.STRUCTURED_JSON:
        if not isinstance(output_schema, dict) or _mentions(output_schema, ROOTED):
            return None
        narrowed = {k: v for k, v in copy.deepcopy(output_schema).items() if k != "$schema"}
        _close(narrowed)
        return narrowed
    if output_type is OutputType.STRUCTURED_CSV and isinstance(output_schema, list) and output_schema:
        columns = [str(c) for c in output_schema]
        return {"type": "array", "items": {"type": "object", "properties": {c: {"type": "string"} for c in columns},
                                           "required": columns, "additionalProperties": False}}
    return None


def _mentions(value: Any, keys: tuple[str, ...]) -> bool:
    if isinstance(value, dict):
        return any(k in value for k in keys) or any(_mentions(v, keys) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, keys) for v in value)
    return False


def _close(schema: Any) -> None:
    """Close, in place, every object schema that lists all its properties as required and allows no others
    by other means; open or partly optional objects stay as they are (the schema is then not strict)."""
    if not isinstance(schema, dict):
        return
    props = schema.get("properties")
    if isinstance(props, dict) and not any(k in schema for k in _COMBINED) \
            and isinstance(schema.get("required"), list) and set(schema["required"]) == set(props):
        schema["additionalProperties"] = False
    if isinstance(props, dict):
        for sub in props.values():
            _close(sub)
    for key in _SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for sub in schema[key]:
                _close(sub)
    for key in _SUBSCHEMAS:
        _close(schema.get(key))
