"""Output shaping and validation for text, structured_json and structured_csv."""
from __future__ import annotations

import csv
import io
import json

import pytest

from openwebrun.agent.output import check_output, validate_output_schema
from openwebrun.domain.models import OutputType

PRODUCT = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "price": {"type": "number"},
                   "tags": {"type": "array", "items": {"type": "string"}}},
    "required": ["title", "price"],
    "additionalProperties": False,
}
COLUMNS = ["name", "note", "price"]
TRICKY = [
    {"name": "Widget, large", "note": 'He said "great"', "price": 9.5},
    {"name": "Gadget", "note": "line one\nline two", "price": None},
    {"name": "Plain", "note": "", "price": True},
]


# --- text -------------------------------------------------------------------------
def test_text_keeps_strings_and_renders_other_values_as_a_json_block():
    assert check_output(OutputType.TEXT, None, "# Found\n- a").message == "# Found\n- a"
    check = check_output(OutputType.TEXT, None, {"count": 2})
    assert check.ok and check.data is None
    assert check.message == '```json\n{\n  "count": 2\n}\n```'
    assert check_output(OutputType.TEXT, None, None).message == ""


# --- structured_json --------------------------------------------------------------
def test_valid_json_object_is_serialized_compactly():
    check = check_output(OutputType.STRUCTURED_JSON, PRODUCT, {"title": "Lamp", "price": 12.5, "tags": ["a"]})
    assert check.ok and check.errors == []
    assert check.data == {"title": "Lamp", "price": 12.5, "tags": ["a"]}
    assert check.message == '{"title":"Lamp","price":12.5,"tags":["a"]}'


def test_invalid_json_lists_errors_with_their_paths():
    check = check_output(OutputType.STRUCTURED_JSON, PRODUCT, {"price": "cheap", "tags": [1], "colour": "red"})
    assert not check.ok and check.message == "" and check.data is None
    joined = "\n".join(check.errors)
    assert "$: 'title' is a required property" in joined
    assert "$.price: 'cheap' is not of type 'number'" in joined
    assert "$.tags[0]: 1 is not of type 'string'" in joined
    assert "colour" in joined  # additionalProperties


def test_json_given_as_a_string_is_parsed_and_repaired():
    check = check_output(OutputType.STRUCTURED_JSON, PRODUCT, '```json\n{"title": "Lamp", "price": 3,}\n```')
    assert check.ok
    assert check.data == {"title": "Lamp", "price": 3}
    assert check.message == '{"title":"Lamp","price":3}'


def test_a_string_schema_accepts_plain_text_and_arrays_work():
    assert check_output(OutputType.STRUCTURED_JSON, {"type": "string"}, "just words").data == "just words"
    check = check_output(OutputType.STRUCTURED_JSON, {"type": "array", "items": {"type": "integer"}}, "[1, 2, 3]")
    assert check.ok and check.data == [1, 2, 3] and check.message == "[1,2,3]"


def test_text_that_is_not_json_fails_against_an_object_schema():
    check = check_output(OutputType.STRUCTURED_JSON, PRODUCT, "The lamp costs 3 euros")
    assert not check.ok
    assert check.errors == ["$: 'The lamp costs 3 euros' is not of type 'object'"]


# --- structured_csv ---------------------------------------------------------------
def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_from_row_objects_round_trips_through_csv_reader():
    check = check_output(OutputType.STRUCTURED_CSV, COLUMNS, TRICKY)
    assert check.ok, check.errors
    assert read_back(check.message) == [
        COLUMNS,
        ["Widget, large", 'He said "great"', "9.5"],
        ["Gadget", "line one\nline two", ""],
        ["Plain", "", "true"],
    ]
    assert check.data[1] == {"name": "Gadget", "note": "line one\nline two", "price": ""}


def test_csv_from_lists_and_from_csv_text_give_the_same_output():
    from_objects = check_output(OutputType.STRUCTURED_CSV, COLUMNS, TRICKY).message
    as_lists = [[r["name"], r["note"], r["price"]] for r in TRICKY]
    assert check_output(OutputType.STRUCTURED_CSV, COLUMNS, as_lists).message == from_objects
    assert check_output(OutputType.STRUCTURED_CSV, COLUMNS, [COLUMNS] + as_lists).message == from_objects
    assert check_output(OutputType.STRUCTURED_CSV, COLUMNS, from_objects).message == from_objects
    assert check_output(OutputType.STRUCTURED_CSV, COLUMNS, json.dumps(TRICKY)).message == from_objects


def test_csv_rows_with_missing_or_extra_columns_are_errors():
    check = check_output(OutputType.STRUCTURED_CSV, COLUMNS, [
        {"name": "a", "note": "b", "price": 1},
        {"name": "a", "price": 1},
        {"name": "a", "note": "b", "price": 1, "stock": 4},
        ["only", "two"],
    ])
    assert not check.ok
    assert check.errors == [
        "row 2: missing column(s) note",
        "row 3: unexpected column(s) stock",
        "row 4: has 2 values, expected 3 (name, note, price)",
    ]


def test_csv_text_must_start_with_the_header():
    check = check_output(OutputType.STRUCTURED_CSV, COLUMNS, "a,b,c\n1,2,3\n")
    assert not check.ok
    assert "must start with the header line name,note,price" in check.errors[0]


def test_an_empty_table_is_just_the_header():
    check = check_output(OutputType.STRUCTURED_CSV, COLUMNS, [])
    assert check.ok and check.message == "name,note,price\n" and check.data == []


# --- schema checks at request time --------------------------------------------------
@pytest.mark.parametrize("output_type,schema,problem", [
    (OutputType.TEXT, None, None),
    (OutputType.STRUCTURED_JSON, PRODUCT, None),
    (OutputType.STRUCTURED_JSON, None, "JSON Schema object"),
    (OutputType.STRUCTURED_JSON, ["a"], "JSON Schema object"),
    (OutputType.STRUCTURED_JSON, {"type": "objekt"}, "JSON Schema at $.type"),
    (OutputType.STRUCTURED_JSON, {"properties": {"a": {"minLength": -1}}}, "not a valid Draft 2020-12 JSON Schema"),
    (OutputType.STRUCTURED_CSV, COLUMNS, None),
    (OutputType.STRUCTURED_CSV, [], "non-empty array"),
    (OutputType.STRUCTURED_CSV, {"a": 1}, "non-empty array"),
    (OutputType.STRUCTURED_CSV, ["a", " "], "non-empty strings"),
    (OutputType.STRUCTURED_CSV, ["a", 3], "non-empty strings"),
    (OutputType.STRUCTURED_CSV, ["a", "b", "a"], "repeated: a"),
])
def test_validate_output_schema(output_type, schema, problem):
    result = validate_output_schema(output_type, schema)
    if problem is None:
        assert result is None
    else:
        assert result is not None and problem in result
