"""Which schemas are sent with OpenAI's strict flag."""
from openwebrun.agent.actions.catalog import decision_schema
from openwebrun.agent.llm.validation import strict_compatible

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
