"""JSON Schema validation with short, path-named error messages a model can act on."""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

MAX_MESSAGE = 200


def schema_errors(validator: Draft202012Validator, instance: Any, limit: int = 5) -> list[str]:
    """Up to `limit` readable errors, each starting with the JSON path ($.a[0].b) it is about."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    lines = [_describe(e) for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more errors")
    return lines


def _describe(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        closest = _closest_branch(error)
        return f"{error.json_path}: matches none of the allowed shapes; closest: " + "; ".join(
            _describe(e) for e in closest[:2])
    return f"{error.json_path}: {_short(error.message)}"


def _closest_branch(error: ValidationError) -> list[ValidationError]:
    """The errors of the alternative that failed least (e.g. the action whose name matched)."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    return min(branches.values(), key=len)


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."
