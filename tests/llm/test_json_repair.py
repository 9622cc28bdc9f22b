"""Lenient JSON reading of model output."""
from __future__ import annotations

import pytest

from openwebrun.agent.llm.json_repair import parse_lenient


@pytest.mark.parametrize("text,expected", [
    ('{"a": 1}', {"a": 1}),
    ('Sure! Here it is: {"a": [1, 2,], "b": {"c": "x, }"},} Hope that helps {', {"a": [1, 2], "b": {"c": "x, }"}}),
    ("```json\n{'a': 'it\\'s \"q\"', b: True, 'n': None}\n```", {"a": 'it\'s "q"', "b": True, "n": None}),
    ('{"a": [1, 2}', {"a": [1, 2]}),
    ('{"a": {"b": 1}}}]', {"a": {"b": 1}}),
    ('{"t": "x", "actions": [{"action": "click", "index": 3}', {"t": "x", "actions": [{"action": "click", "index": 3}]}),
    ('I will use {action} now. {"a": 1}', {"a": 1}),
    ('{"text": "line1\nline2\ttab"}', {"text": "line1\nline2\ttab"}),
    ('{"s": "unterminated', {"s": "unterminated"}),
], ids=["strict", "prose+trailing-commas", "fence+single-quotes+literals", "missing-bracket", "extra-closers",
        "truncated", "braces-in-prose", "raw-control-chars", "unterminated-string"])
def test_objects_are_recovered(text, expected):
    assert parse_lenient(text, want_object=True) == expected


def test_arrays_are_found_unless_an_object_is_wanted():
    assert parse_lenient("The rows: [[1, 2], [3, 4],]") == [[1, 2], [3, 4]]
    assert parse_lenient('The rows: [1, 2] or {"a": 1}', want_object=True) == {"a": 1}


@pytest.mark.parametrize("text", ["", "no json at all", "[1, 2]"])
def test_nothing_usable_is_a_value_error(text):
    with pytest.raises(ValueError, match="no JSON object"):
        parse_lenient(text, want_object=True)
