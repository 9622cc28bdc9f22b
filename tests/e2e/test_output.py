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
