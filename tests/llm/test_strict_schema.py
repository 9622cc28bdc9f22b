"""Which schemas are sent with OpenAI's strict flag."""
from openwebrun.agent.actions.catalog import decision_schema
from openwebrun.agent.llm.validation import strict_compatible
from openwebrun.agent.result_schema import result_schema
from openwebrun.domain.models import OutputType

CLOSED = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}


def test_closed_objects_are_strict():
    assert strict_compatible(CLOSED)
    assert strict_compatible({"type": "array", "items": CLOSED})


def test_open_or_partial_objects_are_not():
    assert not strict_compatible({"type": "object", "properties": {"a": {"type": "string"}}})
    assert not strict_compatible({**CLOSED, "required": []})
    assert not strict_compatible({"type": "array"})
    assert not strict_compatible({"anyOf": [CLOSED, {"type": "object"}]})


def test_decision_schema_is_strict_only_with_a_closed_result():
    assert not strict_compatible(decision_schema())  # done.result may be any JSON value
    assert strict_compatible(decision_schema(CLOSED))


def test_keywords_strict_mode_does_not_know_make_a_schema_non_strict():
    assert strict_compatible({**CLOSED, "properties": {"a": {"type": "integer", "minimum": 1}}})
    assert not strict_compatible({**CLOSED, "properties": {"a": {"type": "string", "pattern": "^x"}}})
    assert not strict_compatible({"oneOf": [CLOSED]})
    assert not strict_compatible({**CLOSED, "properties": {"a": {"type": "string", "minLength": 2}}})
    assert not strict_compatible({"type": "array", "items": True})


# --- done.result narrowed to the caller's output -------------------------------------------

ALL_REQUIRED = {"type": "object", "properties": {"name": {"type": "string"},
                                                 "tags": {"type": "array", "items": {
                                                     "type": "object", "properties": {"t": {"type": "string"}},
                                                     "required": ["t"]}}},
                "required": ["name", "tags"], "$schema": "https://json-schema.org/draft/2020-12/schema"}


def _result(schema: dict) -> dict:
    [done] = [a for a in schema["properties"]["actions"]["items"]["anyOf"]
              if a["properties"]["action"]["enum"] == ["done"]]
    return done["properties"]["result"]


def test_objects_with_every_property_required_are_closed_and_strict():
    narrowed = result_schema(OutputType.STRUCTURED_JSON, ALL_REQUIRED)
    assert narrowed is not None and "$schema" not in narrowed
    assert narrowed["additionalProperties"] is False
    assert narrowed["properties"]["tags"]["items"]["additionalProperties"] is False
    assert "additionalProperties" not in ALL_REQUIRED  # the caller's schema is left as it was
    decision = decision_schema(narrowed)
    assert _result(decision) == narrowed and strict_compatible(decision)


def test_optional_or_open_objects_are_narrowed_but_not_strict():
    optional = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                "required": ["a"]}
    narrowed = result_schema(OutputType.STRUCTURED_JSON, optional)
    assert narrowed == optional and not strict_compatible(decision_schema(narrowed))
    combined = {**ALL_REQUIRED, "allOf": [{"properties": {"extra": {"type": "string"}}}]}
    assert "additionalProperties" not in result_schema(OutputType.STRUCTURED_JSON, combined)


def test_schemas_with_references_are_not_narrowed():
    with_ref = {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "required": ["a"],
                "$defs": {"a": {"type": "string"}}}
    assert result_schema(OutputType.STRUCTURED_JSON, with_ref) is None
    assert result_schema(OutputType.STRUCTURED_JSON, True) is None
    assert result_schema(OutputType.TEXT, None) is None


def test_csv_rows_are_objects_with_exactly_the_columns():
    narrowed = result_schema(OutputType.STRUCTURED_CSV, ["title", "price"])
    assert narrowed == {"type": "array", "items": {
        "type": "object", "properties": {"title": {"type": "string"}, "price": {"type": "string"}},
        "required": ["title", "price"], "additionalProperties": False}}
    assert strict_compatible(decision_schema(narrowed))


def test_objects_nested_past_the_limit_are_not_strict():
    schema = CLOSED
    for _ in range(9):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"], "additionalProperties": False}
    assert strict_compatible(schema)
    deeper = {"type": "object", "properties": {"a": schema}, "required": ["a"], "additionalProperties": False}
    assert not strict_compatible(deeper)
