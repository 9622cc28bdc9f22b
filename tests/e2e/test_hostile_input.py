"""Hostile input over HTTP: 4xx in the native error shape, never 5xx, the connection kept; no server fetches."""
from __future__ import annotations

import http.client
import json

import pytest
from jsonschema import Draft202012Validator

from openwebrun.agent.output_schema import MAX_SCHEMA_DEPTH
from openwebrun.api.guard import MAX_JSON_DEPTH, MAX_URL_BYTES
from tests.e2e.conftest import done, script
from tests.support.servers import API_KEY, recording_server

MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_MAX_BODY_BYTES=str(MAX_BODY))


def refused(response, status: int, code: str, *words: str) -> dict:
    body = response.json()
    assert response.status_code == status and body["success"] is False and body["code"] == code, response.text
    assert all(w in body["error"] for w in words), body["error"]
    return body


def structured(schema) -> dict:
    return {"taskDetails": "extract", "maxDuration": 1000, "outputType": "structured_json", "outputSchema": schema}


def test_remote_references_are_refused_at_submit_and_never_fetched(api):
    with recording_server() as (base, hits):
        remote = {"type": "object", "properties": {"a": {"$ref": f"{base}/schema.json"}}}
        refused(api.post("/start/run-task", json=structured(remote)), 400, "VALIDATION_ERROR",
                "Invalid outputSchema", "$.properties.a.$ref", "remote references are not fetched")
        refused(api.post("/start/start-session", json={"initialTask": structured({"$ref": f"{base}/x"})}),
                400, "VALIDATION_ERROR", "remote references are not fetched")
        relative = {"$id": f"{base}/root.json", "$ref": "other.json"}
        refused(api.post("/start/run-task", json=structured(relative)), 400, "VALIDATION_ERROR", "'other.json'")
        assert hits == []


@pytest.mark.parametrize("schema,words", [
    ({"$ref": "#/$defs/missing"}, ["'#/$defs/missing' points to nothing"]),
    ({"type": "objekt"}, ["not a valid Draft 2020-12 JSON Schema at $.type"]),
    ({"$schema": "https://example.test/dialect"}, ["not a JSON Schema dialect this server knows"]),
    ({"allOf": [{"$ref": "#"}]}, ["refers back to itself"]),
])
def test_unusable_output_schemas_are_refused_at_submit(api, schema, words):
    refused(api.post("/start/run-task", json=structured(schema)), 400, "VALIDATION_ERROR", *words)


def test_output_schema_depth_limit(api):
    schema: dict = {"type": "string"}
    for _ in range(MAX_SCHEMA_DEPTH):
        schema = {"not": schema}
    refused(api.post("/start/run-task", json=structured(schema)), 400, "VALIDATION_ERROR",
            f"nested {MAX_SCHEMA_DEPTH + 1} levels deep")


BAD_BODIES = [
    (b'{"taskDetails": "a \\ud800 b"}', "unpaired UTF-16 surrogate at $.taskDetails"),
    (b'{"taskDetails": "x", "secrets": [{"match": "a", "fields": {"\\udfff": "v"}}]}', "unpaired UTF-16 surrogate"),
    (b'{"sessionId": "a\\u0000b", "message": {"actionType": "state", "newState": "stop"}}', "NUL character at $.sessionId"),
    (b'{"taskDetails": "x", "maxDuration": 1e400}', "the number 1e400, which is out of range"),
    (b'{"taskDetails": "x", "maxDuration": NaN}', "NaN, which is not a JSON number"),
    (b'{"taskDetails": "x", "maxDuration": 99999999999999999999999}', "maxDuration: Input should be less than"),
    (b"[" * 5000 + b"]" * 5000, f"nests deeper than {MAX_JSON_DEPTH} levels"),
    (b'{"taskDetails": "x", "outputSchema": ' + b"[" * 150 + b"]" * 150 + b"}", f"deeper than {MAX_JSON_DEPTH} levels"),
    (b'{"taskDetails": "\xff"}', "not valid JSON"),
    (b'{"taskDetails": ', "not valid JSON"),
    (b'{"taskDetails": "x", "maxDuration": "1000"}', "maxDuration: Input should be a valid integer"),
]


def test_hostile_bodies_answer_400_on_the_same_connection(server):
    """Many bad requests and then a good one, all over one kept-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    try:
        conn.connect()
        sock = conn.sock
        for body, words in BAD_BODIES:
            path = "/start/send-message" if b"sessionId" in body else "/start/run-task"
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            assert response.status == 400 and answer["code"] == "VALIDATION_ERROR", (body[:80], answer)
            assert words in answer["error"], (body[:80], answer)
            assert response.getheader("connection", "").lower() != "close" and conn.sock is sock
        conn.request("GET", "/start/health")
        assert conn.getresponse().status == 200 and conn.sock is sock
    finally:
        conn.close()
    assert "Traceback" not in server.log()


def test_oversized_bodies_answer_413(api):
    big = {"taskDetails": "x" * (MAX_BODY + 1)}
    refused(api.post("/start/run-task", json=big), 413, "REQUEST_TOO_LARGE", f"limit of {MAX_BODY} bytes")

    def chunks():  # no Content-Length: cut off as it arrives
        yield b'{"taskDetails": "'
        for _ in range(MAX_BODY // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    refused(api.post("/start/run-task", content=chunks(), headers={"Content-Type": "application/json"}),
            413, "REQUEST_TOO_LARGE")


def test_urls_long_or_with_control_characters(api):
    refused(api.get("/task/" + "a" * MAX_URL_BYTES + "/b"), 414, "URI_TOO_LONG")
    refused(api.get("/task/a%00b/c"), 400, "VALIDATION_ERROR", "control character")
    refused(api.get("/files/%0a"), 400, "VALIDATION_ERROR")


def test_step_numbers_past_the_column_range_are_400(api, llm, site):
    tag = script(llm, [done("ok")])
    body = api.post("/start/run-task", json={"taskDetails": f"one step {tag}", "startingUrl": f"{site}/index.html"}).json()
    assert body["status"] == "completed", body
    base = f"/task/{body['sessionId']}/{body['taskId']}/steps"
    assert api.get(f"{base}/1/screenshot").status_code == 200
    for number in ("9223372036854775808", str(2**31), "0", "-1", "1e3", "x"):
        refused(api.get(f"{base}/{number}/screenshot"), 400, "VALIDATION_ERROR", "number")
    refused(api.get(f"{base}/2/screenshot"), 404, "NOT_FOUND")


def test_methods_a_path_does_not_have_answer_405_with_allow(api):
    for method, path, allowed in [("TRACE", "/start/health", "GET"), ("DELETE", "/start/run-task", "POST"),
                                  ("GET", "/files/upload", "POST"), ("PUT", "/task/a/b", "GET"),
                                  ("PATCH", "/policies", "GET, POST"), ("POST", "/policies/a", "GET, PUT, DELETE"),
                                  ("OPTIONS", "/policies/audit", "GET"), ("OPTIONS", "/files/upload", "POST")]:
        response = api.request(method, path)
        refused(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == allowed, (method, path, response.headers)  # every route of the path


def test_openapi_document_states_the_real_answers(api):
    document = api.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <API key>`"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert "422" not in statuses and {"200", "400", "413", "414"} <= statuses, (method, path)
    shot = document["paths"]["/task/{session_id}/{task_id}/steps/{number}/screenshot"]["get"]
    assert list(shot["responses"]["200"]["content"]) == ["image/jpeg"]
    number = next(p for p in shot["parameters"] if p["name"] == "number")["schema"]
    assert number["minimum"] == 1 and number["maximum"] == 2**31 - 1
    message = document["components"]["schemas"]["SendMessageIn"]["properties"]["message"]
    assert {"#/components/schemas/NewTaskMessage", "#/components/schemas/StateMessage"} <= {
        ref["$ref"] for ref in message["anyOf"]}


def documented(document: dict, path: str, method: str, status: int = 200) -> Draft202012Validator:
    """A validator for the body the OpenAPI document promises for this answer."""
    content = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    return Draft202012Validator({**content["schema"], "components": document["components"]})


def conforms(document: dict, path: str, method: str, response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    errors = [f"{e.json_path}: {e.message}" for e in documented(document, path, method, status).iter_errors(body)]
    assert errors == [], (path, body)
    return body


def test_real_answers_match_the_document(api, llm, site):
    """The answers the fuzz cannot reach (finished tasks, steps, uploads) have the documented shapes too."""
    document = api.get("/openapi.json").json()
    tag = script(llm, [done({"title": "Lamp", "price": 3})])
    task = conforms(document, "/start/run-task", "post", api.post("/start/run-task", json={
        "taskDetails": f"read {tag}", "startingUrl": f"{site}/index.html", "outputType": "structured_json",
        "outputSchema": {"type": "object", "properties": {"title": {"type": "string", "pattern": "^[A-Z]"}}}}))
    assert task["status"] == "completed" and task["data"]["output"] == {"title": "Lamp", "price": 3}
    poll = "/task/{session_id}/{task_id}"
    ids = f"/task/{task['sessionId']}/{task['taskId']}"
    assert conforms(document, poll, "get", api.get(ids))["status"] == "completed"
    steps = conforms(document, poll + "/steps", "get", api.get(f"{ids}/steps"))
    assert steps["steps"][0]["screenshotUrl"]
    conforms(document, poll, "get", api.get(ids + "x"), status=404)

    failing = script(llm, [{"status": 500}])
    session = conforms(document, "/start/start-session", "post", api.post("/start/start-session", json={
        "initialTask": {"taskDetails": f"fail {failing}"}}))
    assert session["status"] == "failed" and session["code"] == "LLM_ERROR"
    again = conforms(document, "/start/send-message", "post", api.post("/start/send-message", json={
        "sessionId": session["sessionId"], "message": {"actionType": "newTask", "taskDetails": f"fail {failing}"}}))
    assert again["status"] == "failed"
    conforms(document, "/start/send-message", "post", api.post("/start/send-message", json={
        "sessionId": session["sessionId"], "message": {"actionType": "state", "newState": "terminate"}}))
    files = conforms(document, "/files/upload", "post", api.post("/files/upload", files=[("file", ("a.txt", b"hi"))]))
    assert files["files"][0]["size"] == 2
    conforms(document, "/start/health", "get", api.get("/start/health"))
