"""A caller's outputSchema: Draft 2020-12, local references only, bounded, no endless $ref loops."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from openwebrun.agent import output
from openwebrun.agent.output import check_output, check_output_schema
from openwebrun.agent.output_schema import (
    MAX_SCHEMA_BYTES,
    MAX_SCHEMA_DEPTH,
    SchemaProblem,
    check_json_schema,
)
from openwebrun.domain.models import OutputType
from tests.support.servers import recording_server


@pytest.fixture
def recorder():
    with recording_server() as (url, hits):
        yield url, hits


def nested(depth: int) -> dict:
    """A schema document nested exactly `depth` levels deep."""
    schema: dict = {"type": "string"}
    for _ in range(depth - 1):
        schema = {"not": schema}
    return schema


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/name"}}, "$defs": {"name": {"type": "string"}}},
    {"$defs": {"n": {"$anchor": "num", "type": "integer"}}, "$ref": "#num"},
    {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}},
    {"$id": "https://example.test/root", "$defs": {"o": {"$id": "other.json", "type": "string"}}, "$ref": "other.json"},
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    {"const": {"$ref": "http://127.0.0.1:9/not-a-reference-but-data"}},
    {"$ref": "https://json-schema.org/draft/2020-12/schema"},  # a bundled meta-schema, not fetched
])
def test_self_contained_schemas_are_accepted(schema):
    check_json_schema(schema)


@pytest.mark.parametrize("schema,problem", [
    ({"$ref": "#/$defs/missing"}, "'#/$defs/missing' points to nothing in the schema"),
    ({"properties": {"a": {"$ref": "#nowhere"}}}, "$.properties.a.$ref: '#nowhere' points to nothing"),
    ({"$ref": "https://example.test/schema.json"}, "remote references are not fetched"),
    ({"$id": "https://example.test/root", "$ref": "other.json"}, "'other.json' is not inside the schema"),
    ({"$dynamicRef": "#meta"}, "$.$dynamicRef: '#meta' points to nothing"),
    ({"$schema": "https://example.test/my-dialect", "type": "object"}, "not a JSON Schema dialect this server knows"),
    ({"type": "objekt"}, "not a valid Draft 2020-12 JSON Schema at $.type"),
    ({"items": [{"type": "string"}]}, "not a valid Draft 2020-12 JSON Schema at $.items"),  # draft-07 tuple form
    ({"pattern": "("}, "at $.pattern"),
    ({"$ref": "#"}, "the schema at $ refers back to itself"),
    ({"allOf": [{"not": {"$ref": "#"}}]}, "refers back to itself"),
    ({"if": {"type": "string"}, "then": {"$ref": "#"}}, "refers back to itself"),
    ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}},
      "properties": {"x": {"$ref": "#/$defs/a"}}}, "the schema at $.$defs.a refers back to itself"),
    ([{"type": "string"}], "outputSchema to be a JSON Schema object"),
])
def test_unusable_schemas_are_refused_with_the_reason(schema, problem):
    with pytest.raises(SchemaProblem) as refused:
        check_json_schema(schema)
    assert problem in str(refused.value)


def test_depth_and_size_limits():
    check_json_schema(nested(MAX_SCHEMA_DEPTH - 1))
    with pytest.raises(SchemaProblem, match=f"nested {MAX_SCHEMA_DEPTH + 1} levels deep; at most {MAX_SCHEMA_DEPTH}"):
        check_json_schema(nested(MAX_SCHEMA_DEPTH + 1))
    with pytest.raises(SchemaProblem, match="nested 50000 levels deep"):  # measured without recursion
        check_json_schema(nested(50_000))
    big = {"type": "object", "properties": {f"field{i}": {"type": "string"} for i in range(3000)}}
    with pytest.raises(SchemaProblem, match=f"bytes as JSON; at most {MAX_SCHEMA_BYTES}"):
        check_json_schema(big)


def test_remote_references_are_never_fetched(recorder):
    base, hits = recorder
    with pytest.raises(SchemaProblem, match="remote references are not fetched"):
        check_json_schema({"type": "object", "properties": {"a": {"$ref": f"{base}/a.json"}}})
    # The output check of a task never fetches either: the reference is an error for the model.
    check = check_output(OutputType.STRUCTURED_JSON, {"$ref": f"{base}/a.json"}, "text")
    assert not check.ok and "cannot be applied" in check.errors[0]
    assert hits == []


def test_output_check_resolves_local_references():
    schema = {"type": "object", "properties": {"tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}}},
              "required": ["tags"], "$defs": {"tag": {"type": "string", "minLength": 1}}}
    assert check_output(OutputType.STRUCTURED_JSON, schema, {"tags": ["a", "b"]}).ok
    check = check_output(OutputType.STRUCTURED_JSON, schema, {"tags": ["a", ""]})
    assert not check.ok and check.errors[0].startswith("$.tags[1]:")


async def test_the_submit_check_runs_off_the_event_loop_within_a_time_limit(monkeypatch):
    loop = asyncio.get_running_loop()
    served = threading.Event()
    release = threading.Event()

    async def other_work() -> None:
        served.set()

    def stuck(output_type, schema):
        # while the check hangs in its thread, the event loop still runs other work
        asyncio.run_coroutine_threadsafe(other_work(), loop).result(timeout=5)
        release.wait(10)

    monkeypatch.setattr(output, "validate_output_schema", stuck)
    problem = await check_output_schema(OutputType.STRUCTURED_JSON, {"type": "object"}, timeout_s=0.3)
    release.set()
    assert problem is not None and "took longer than 0.3 s" in problem
    assert served.is_set()  # the loop served other work while the check was stuck


def test_output_patterns_are_matched_within_a_time_budget():
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
              "patternProperties": {"^x-": {"type": "integer"}}}
    assert check_output(OutputType.STRUCTURED_JSON, schema, {"code": "ABC", "x-n": 3}).ok
    check = check_output(OutputType.STRUCTURED_JSON, schema, {"code": "abc", "x-n": "3"})
    assert not check.ok and len(check.errors) == 2
    started = time.monotonic()  # a pattern that backtracks for minutes with Python's re
    check = check_output(OutputType.STRUCTURED_JSON, {"type": "string", "pattern": "^(a|a)*$"}, "a" * 40 + "!")
    assert not check.ok and "patterns took too long" in check.errors[0]
    assert time.monotonic() - started < 10 * output.PATTERN_BUDGET_S  # Python's re: hours
