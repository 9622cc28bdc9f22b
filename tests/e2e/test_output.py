"""Output types over HTTP: structured_json validated against the caller's schema, CSV, text."""
from __future__ import annotations

import csv
import io

from tests.e2e.conftest import done, script

SCHEMA = {"type": "object", "properties": {"books": {"type": "array", "items": {"type": "string"}},
                                           "count": {"type": "integer"}},
          "required": ["books", "count"], "additionalProperties": False}


def _run(api, site, tag, **extra):
    return api.post("/start/run-task", json={"taskDetails": f"list books {tag}", "startingUrl": f"{site}/list.html",
                                             **extra}).json()


def test_structured_json_valid(api, llm, site):
    tag = script(llm, [done({"books": ["Dune", "Emma", "Middlemarch"], "count": 3})])
    body = _run(api, site, tag, outputType="structured_json", outputSchema=SCHEMA)
    assert body["status"] == "completed", body
    assert body["data"]["output"] == {"books": ["Dune", "Emma", "Middlemarch"], "count": 3}
    assert body["data"]["message"] == '{"books":["Dune","Emma","Middlemarch"],"count":3}'


def test_structured_json_invalid_then_repaired(api, llm, site):
    name = "repairjson"
    tag = llm.script(name, [done({"books": ["Dune"], "count": "one"}), done({"books": ["Dune"], "count": 1})])
    body = _run(api, site, tag, outputType="structured_json", outputSchema=SCHEMA)
    assert body["status"] == "completed", body
    assert body["data"]["output"] == {"books": ["Dune"], "count": 1}
    second_request = repr(llm.requests_for(name)[1]["messages"])
    assert "count" in second_request and "rejected" in second_request  # the errors were fed back


def test_structured_json_never_valid(api, llm, site):
    tag = script(llm, [done({"titles": []})])
    body = _run(api, site, tag, outputType="structured_json", outputSchema=SCHEMA)
    assert body["status"] == "failed" and body["code"] == "OUTPUT_INVALID", body
    assert "books" in body["error"]


def test_structured_csv_with_awkward_values(api, llm, site):
    rows = [{"title": "Dune, Part 1", "note": 'a "classic"'}, {"title": "Emma", "note": "line one\nline two"}]
    tag = script(llm, [done(rows)])
    body = _run(api, site, tag, outputType="structured_csv", outputSchema=["title", "note"])
    assert body["status"] == "completed", body
    parsed = list(csv.reader(io.StringIO(body["data"]["message"])))
    assert parsed == [["title", "note"], ["Dune, Part 1", 'a "classic"'], ["Emma", "line one\nline two"]]


def test_text_output_is_markdown(api, llm, site):
    tag = script(llm, [done({"$match": r"Middlemarch"})])
    body = _run(api, site, tag)
    assert body["data"]["message"] == "Middlemarch" and "output" not in body["data"]


def _done_result(request: dict) -> tuple[dict, bool]:
    """done.result's schema in a request to the model, and whether the request was strict."""
    shape = request["response_format"]["json_schema"]
    [done_action] = [a for a in shape["schema"]["properties"]["actions"]["items"]["anyOf"]
                     if a["properties"]["action"]["enum"] == ["done"]]
    return done_action["properties"]["result"], shape["strict"]


def test_structured_json_schema_is_sent_to_the_model(api, llm, site):
    name = "narrowjson"
    tag = llm.script(name, [done({"books": ["Dune"], "count": 1})])
    body = _run(api, site, tag, outputType="structured_json", outputSchema=SCHEMA)
    assert body["status"] == "completed", body
    result, strict = _done_result(llm.requests_for(name)[0])
    assert result == SCHEMA and strict is True


def test_structured_json_schema_with_optional_fields_is_sent_non_strict(api, llm, site):
    optional = {"type": "object", "properties": {"books": {"type": "array", "items": {"type": "string"}},
                                                 "note": {"type": "string"}}, "required": ["books"]}
    name = "narrowopen"
    tag = llm.script(name, [done({"books": ["Emma"]})])
    body = _run(api, site, tag, outputType="structured_json", outputSchema=optional)
    assert body["status"] == "completed" and body["data"]["output"] == {"books": ["Emma"]}, body
    result, strict = _done_result(llm.requests_for(name)[0])
    assert result == optional and strict is False


def test_structured_csv_rows_are_asked_for_as_objects(api, llm, site):
    name = "narrowcsv"
    tag = llm.script(name, [done([{"title": "Dune", "note": "sand"}])])
    body = _run(api, site, tag, outputType="structured_csv", outputSchema=["title", "note"])
    assert body["status"] == "completed" and body["data"]["message"] == "title,note\nDune,sand\n", body
    request = llm.requests_for(name)[0]
    result, strict = _done_result(request)
    assert result["items"]["required"] == ["title", "note"] and result["items"]["additionalProperties"] is False
    assert strict is True
    assert 'exactly these keys and a string value for each: ["title", "note"]' in repr(request["messages"])
    assert "the server writes the CSV" in repr(request["messages"])
