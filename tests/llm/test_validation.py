"""Schema errors a model can act on: paths, the closest alternative, the allowed kinds."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from openwebrun.agent.llm.validation import schema_errors
from tests.llm.conftest import SCHEMA

VALIDATOR = Draft202012Validator(SCHEMA)


def decision(*actions):
    return {"thinking": "t", "next_goal": "g", "actions": list(actions)}


def test_a_valid_decision_has_no_errors():
    assert schema_errors(VALIDATOR, decision({"action": "click", "index": 1})) == []


def test_a_bad_parameter_names_the_closest_action_shape():
    assert schema_errors(VALIDATOR, decision({"action": "click", "index": "x"})) == [
        "$.actions[0]: matches none of the allowed shapes; closest: $.actions[0].index: 'x' is not of type 'integer'"]


def test_an_unknown_action_lists_the_known_ones():
    assert schema_errors(VALIDATOR, decision({"action": "fly"})) == [
        "$.actions[0].action: 'fly' is not one of: click, done"]


def test_errors_are_limited_and_counted():
    errors = schema_errors(VALIDATOR, {"actions": [], "extra": 1, "more": 2}, limit=2)
    assert len(errors) == 3 and errors[-1].startswith("... and ")
