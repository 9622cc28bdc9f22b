"""A caller's JSON Schema for structured_json output, checked once when the task is requested.

The schema is read as Draft 2020-12 and must stand on its own: every `$ref` resolves inside the
submitted document (or to a meta-schema shipped with `referencing`); nothing is ever fetched.
Depth and size are bounded, and a `$ref` loop that never moves into the value (which would make
validation recurse forever) is refused.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
from jsonschema_specifications import REGISTRY as METASCHEMAS  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012, specification_with

MAX_SCHEMA_DEPTH = 64  # nesting of objects and arrays in the schema document
MAX_SCHEMA_BYTES = 65_536  # the schema as compact UTF-8 JSON

# Keywords whose subschemas apply to the same value (not to a property or an item of it).
IN_PLACE_ONE = ("not", "if", "then", "else")
IN_PLACE_MANY = ("allOf", "anyOf", "oneOf")
REFERENCES = ("$ref", "$dynamicRef")

# Never retrieves: an unknown URI is unresolvable. The meta-schemas of `referencing` are local.
LOCAL_ONLY: Registry = METASCHEMAS.combine(Registry())


class SchemaProblem(ValueError):
    """Why a schema cannot be used; the message is for the caller."""


def json_depth(value: Any) -> int:
    """Nesting depth of objects and arrays (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_schema(schema: Any) -> None:
    """Raise SchemaProblem unless `schema` is a usable, self-contained Draft 2020-12 schema."""
    if not isinstance(schema, dict):
        raise SchemaProblem("structured_json needs outputSchema to be a JSON Schema object")
    depth = json_depth(schema)
    if depth > MAX_SCHEMA_DEPTH:
        raise SchemaProblem(f"it is nested {depth} levels deep; at most {MAX_SCHEMA_DEPTH} are allowed")
    size = len(json.dumps(schema, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    if size > MAX_SCHEMA_BYTES:
        raise SchemaProblem(f"it is {size} bytes as JSON; at most {MAX_SCHEMA_BYTES} are allowed")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise SchemaProblem(f"not a valid Draft 2020-12 JSON Schema at {exc.json_path}: {exc.message}") from None
    dialect = schema.get("$schema")
    if dialect is not None and specification_with(dialect, default=None) is None:  # type: ignore[arg-type]
        raise SchemaProblem(f"$schema {dialect!r} is not a JSON Schema dialect this server knows "
                            "(schemas are read as Draft 2020-12; nothing is fetched)")
    _check_references(schema)


def _check_references(schema: dict[str, Any]) -> None:
    """Every reference resolves locally, and no chain of in-place references loops."""
    root = DRAFT202012.create_resource(schema)
    edges: dict[int, list[int]] = {}  # schema object -> schema objects applied to the same value
    paths: dict[int, str] = {}
    todo: list[tuple[Any, Any, str]] = [(schema, LOCAL_ONLY.resolver_with_root(root), "$")]
    targets: list[tuple[Any, Any, str]] = []  # walked after the document, so nodes keep their own paths
    while todo or targets:
        contents, resolver, path = todo.pop() if todo else targets.pop()
        if not isinstance(contents, dict) or id(contents) in edges:
            continue
        out = edges[id(contents)] = []
        paths[id(contents)] = path
        for keyword in REFERENCES:
            ref = contents.get(keyword)
            if isinstance(ref, str):
                target = _lookup(resolver, ref, f"{path}.{keyword}")
                out.append(id(target.contents))
                targets.append((target.contents, target.resolver, f"{ref} (from {path})"))
        out.extend(id(child) for child in _in_place(contents))
        for sub_path, sub in _subschemas(contents, path):
            resource = Resource.from_contents(sub, default_specification=DRAFT202012)
            todo.append((sub, resolver.in_subresource(resource), sub_path))
    loop = _find_loop(edges)
    if loop is not None:
        raise SchemaProblem(f"the schema at {paths[loop]} refers back to itself without moving into a "
                            "property or item, so validation would never end")


def _lookup(resolver: Any, ref: str, where: str) -> Any:
    try:
        return resolver.lookup(ref)
    except Unresolvable:
        if ref.startswith("#"):
            raise SchemaProblem(f"{where}: {ref!r} points to nothing in the schema") from None
        raise SchemaProblem(f"{where}: {ref!r} is not inside the schema, and remote references are "
                            "not fetched") from None


def _in_place(contents: dict[str, Any]) -> Iterator[Any]:
    """The subschemas that apply to the same value as `contents`."""
    for keyword in IN_PLACE_ONE:
        if keyword in contents:
            yield contents[keyword]
    for keyword in IN_PLACE_MANY:
        yield from contents.get(keyword, ())
    yield from (contents.get("dependentSchemas") or {}).values()


def _subschemas(contents: dict[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """Every subschema with its JSON path, as Draft 2020-12 places them."""
    for keyword, value in contents.items():
        if keyword in ("$defs", "definitions", "dependentSchemas", "patternProperties", "properties"):
            if isinstance(value, dict):
                for name, sub in value.items():
                    yield f"{path}.{keyword}.{name}", sub
        elif keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
            if isinstance(value, list):
                for number, sub in enumerate(value):
                    yield f"{path}.{keyword}[{number}]", sub
        elif keyword in ("additionalProperties", "contains", "contentSchema", "else", "if", "items", "not",
                         "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties"):
            yield f"{path}.{keyword}", value


def _find_loop(edges: dict[int, list[int]]) -> int | None:
    """A node on a cycle of the graph, or None (iterative depth-first search)."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for start, first in edges.items():
        if start in state:
            continue
        stack = [(start, iter(first))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return child
            elif child not in state and child in edges:
                state[child] = 1
                stack.append((child, iter(edges[child])))
    return None
