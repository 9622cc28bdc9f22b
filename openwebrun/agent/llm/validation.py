"""JSON Schema validation with short, path-named error messages a model can act on."""
from __future__ import annotations

import time
from typing import Any

import regex  # type: ignore[import-untyped,unused-ignore]
from jsonschema import Draft202012Validator, validators  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry
from referencing.exceptions import Unresolvable

MAX_MESSAGE = 400
NO_RETRIEVAL: Registry = Registry()  # an unknown URI is unresolvable: nothing is ever fetched


def local_validator(schema: Any) -> Draft202012Validator:
    """A Draft 2020-12 validator whose `$ref`s resolve only inside `schema` (and the bundled meta-schemas)."""
    return Draft202012Validator(schema, registry=NO_RETRIEVAL)


class PatternTimeout(Exception):
    """The `pattern` / `patternProperties` matches of one validation used up their time."""


def bounded_validator(schema: Any, budget_s: float) -> Draft202012Validator:
    """local_validator whose regex matches together take at most about `budget_s`: a caller's
    pattern can backtrack for minutes (`^(a|a)*$`), and validation runs on the event loop."""
    deadline = time.monotonic() + budget_s

    def search(pattern: str, text: str) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            raise PatternTimeout
        try:
            return regex.search(pattern, text, timeout=left) is not None
        except TimeoutError:
            raise PatternTimeout from None

    def pattern(validator: Any, patrn: str, instance: Any, _schema: Any) -> Any:
        if validator.is_type(instance, "string") and not search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, _schema: Any) -> Any:
        if validator.is_type(instance, "object"):
            for patrn, subschema in patterns.items():
                for key, value in instance.items():
                    if search(patrn, key):
                        yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    bounded = validators.extend(Draft202012Validator, {"pattern": pattern, "patternProperties": pattern_properties})
    return bounded(schema, registry=NO_RETRIEVAL)


def schema_errors(validator: Draft202012Validator, instance: Any, limit: int = 5) -> list[str]:
    """Up to `limit` readable errors, each starting with the JSON path ($.a[0].b) it is about.

    A schema that cannot be applied (a reference that does not resolve, endless recursion) is one error."""
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    except Unresolvable as exc:
        return [f"$: the schema cannot be applied: {_short(str(exc))}"]
    except RecursionError:
        return ["$: the schema cannot be applied: it nests too deeply for this value"]
    except PatternTimeout:
        return ["$: checking the value against the schema's patterns took too long; use simpler values"]
    lines = [_describe(e) for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more errors")
    return lines


def _describe(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        unknown = _unknown_kind(error)
        if unknown:
            return unknown
        closest = _closest_branch(error)
        return f"{error.json_path}: matches none of the allowed shapes; closest: " + "; ".join(
            _describe(e) for e in closest[:2])
    return f"{error.json_path}: {_short(error.message)}"


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    grouped: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        grouped.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(grouped.values())


def _unknown_kind(error: ValidationError) -> str | None:
    """When every alternative rejects the same enum/const field (e.g. "action"), list all allowed values."""
    kinds = ("enum", "const")
    branches = _branches(error)
    paths = [{tuple(e.absolute_path) for e in branch if e.validator in kinds} for branch in branches]
    common = set.intersection(*paths) if paths else set()
    if not common:
        return None
    path = min(common, key=len)
    allowed: list[str] = []
    sample = None
    for branch in branches:
        for e in branch:
            if tuple(e.absolute_path) == path and e.validator in kinds:
                sample = e
                values = e.validator_value if e.validator == "enum" else [e.validator_value]
                allowed.extend(str(v) for v in values if str(v) not in allowed)
    assert sample is not None
    return _short(f"{sample.json_path}: {sample.instance!r} is not one of: " + ", ".join(allowed))


def _closest_branch(error: ValidationError) -> list[ValidationError]:
    """The errors of the alternative that failed least (e.g. the action whose name matched)."""
    return min(_branches(error), key=len)


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


# The keywords OpenAI's strict structured outputs accept; a schema using any other is sent non-strict.
# (`pattern` and `format` are left out: strict mode knows only some regex features and formats, and a
# refused request would make `auto` give up json_schema for the whole server.)
STRICT_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const",
    "$defs", "definitions", "$ref", "description", "title", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems"})
STRICT_MAX_NESTING = 10  # objects inside objects


def strict_compatible(schema: Any, _objects: int = 0) -> bool:
    """Whether OpenAI's strict structured outputs accept `schema`: only the keywords they know, every
    object closed with all properties required and typed, every array with its items, at most
    STRICT_MAX_NESTING objects deep."""
    if isinstance(schema, list):
        return all(strict_compatible(s, _objects) for s in schema)
    if not isinstance(schema, dict) or not STRICT_KEYWORDS.issuperset(schema):
        return False
    types = schema.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if "object" in types:
        _objects += 1
        props = schema.get("properties")
        if not isinstance(props, dict) or schema.get("additionalProperties") is not False \
                or set(schema.get("required", [])) != set(props) or _objects > STRICT_MAX_NESTING:
            return False
    elif "properties" in schema:
        return False
    if "array" in types and "items" not in schema:
        return False
    children = [v for k, v in schema.items() if k in ("properties", "$defs", "definitions")]
    nested = [s for group in children for s in group.values()]
    nested += [schema[k] for k in ("items", "anyOf") if k in schema]
    return all(strict_compatible(s, _objects) for s in nested)
