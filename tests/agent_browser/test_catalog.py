"""The decision schema and the action listing, checked without a browser."""
from __future__ import annotations

import jsonschema
import pytest

from openwebrun.agent.actions.catalog import ACTIONS, check_action, decision_schema, describe_actions

NAMES = ["navigate", "click", "type", "press_key", "scroll", "scroll_to_text", "go_back", "wait", "read_page",
         "select_text", "select_option", "check", "hover", "drag", "click_at", "open_tab", "switch_tab", "close_tab",
         "upload_file", "dialog", "wait_for", "ask_human", "done"]


def test_action_names_are_the_fixed_set():
    assert list(ACTIONS) == NAMES


def test_sample_decision_validates():
    decision = {"thinking": "fill the form", "next_goal": "submit it", "actions": [
        {"action": "type", "index": 3, "text": "Ann", "submit": False},
        {"action": "select_option", "index": 4, "option": "Pro"},
        {"action": "dialog", "accept": True, "text": None},
        {"action": "scroll", "direction": "down", "pages": 0.5, "index": None},
        {"action": "drag", "index": 2, "to": None, "by": [40, 0], "at": [0.5, 0.5]},
        {"action": "done", "success": True, "result": {"name": "Ann", "tags": ["a", "b"]}},
    ]}
    jsonschema.validate(decision, decision_schema())


@pytest.mark.parametrize("bad", [
    {"thinking": "x", "next_goal": "y", "actions": [{"action": "click"}]},  # index missing
    {"thinking": "x", "next_goal": "y", "actions": [{"action": "click", "index": "3"}]},  # wrong type
    {"thinking": "x", "next_goal": "y", "actions": [{"action": "fly", "to": "moon"}]},  # unknown action
    {"thinking": "x", "next_goal": "y", "actions": [{"action": "scroll", "direction": "left", "pages": 1}]},
    {"thinking": "x", "actions": [{"action": "go_back"}]},  # next_goal missing
    {"thinking": "x", "next_goal": "y", "actions": [{"action": "go_back"}], "extra": 1},
])
def test_bad_decisions_are_rejected(bad):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, decision_schema())


def test_schema_is_strict_style():
    """Every object lists all its properties as required and allows nothing else."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node["additionalProperties"] is False
                assert set(node["required"]) == set(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(decision_schema())


def test_result_schema_narrows_done():
    schema = decision_schema({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"],
                              "additionalProperties": False})
    jsonschema.validate({"thinking": "", "next_goal": "", "actions": [
        {"action": "done", "success": True, "result": {"n": 2}}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"thinking": "", "next_goal": "", "actions": [
            {"action": "done", "success": True, "result": "two"}]}, schema)


def test_describe_actions_is_lean_and_complete():
    text = describe_actions()
    for name in NAMES:
        assert (f"- {name}(" in text) == (name != "click_at")  # click_at only with vision
    assert "- click_at(x, y)" in describe_actions(vision=True)
    assert len(text) / 4 < 500  # rough token count


def test_check_action_explains_problems():
    assert "unknown action 'clik'" in check_action({"action": "clik", "index": 1})
    assert "index" in check_action({"action": "click", "index": "one"})
    assert "required" in check_action({"action": "navigate"})
    assert check_action({"action": "type", "index": 2, "text": "x"}) is None  # submit defaults to false
    assert check_action({"action": "dialog", "accept": False}) is None
    assert "object" in check_action("click 3")
