"""The OpenAI-compatible API at /v1, driven by OpenAI's official Python client."""
from __future__ import annotations

import json
import socket
import time

import httpx
import openai
import pytest

from tests.e2e.conftest import act, done, script, wait_until
from tests.support.servers import API_KEY


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(OPENWEBRUN_OPENAI_KEEPALIVE_S="0.2", OPENWEBRUN_MAX_SESSIONS=str(SLOTS))


@pytest.fixture(scope="module")
def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=API_KEY, max_retries=0, timeout=120)


SLOTS = 10


def free_slots(server) -> int:
    return httpx.get(f"{server.base_url}/start/health").json()["instanceCount"]


def wait_all_sessions_ended(server) -> None:
    """Until every session of the module's server has ended (earlier tests may still be closing theirs)."""
    wait_until(lambda: free_slots(server) == SLOTS, timeout=60)


def test_models_are_listed_and_an_unknown_model_is_not_found(client):
    ids = {m.id for m in client.models.list().data}
    assert ids == {"webrun-browser-1", "enigma-browser-1"}
    assert client.models.retrieve("enigma-browser-1").owned_by == "enigma"
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "model_not_found"
    assert caught.value.body["type"] == "invalid_request_error" and caught.value.body["param"] == "model"


def test_a_completion_runs_a_task_in_a_session_that_ends(client, llm, server, site):
    wait_all_sessions_ended(server)
    tag = script(llm, [act({"action": "navigate", "url": f"{site}/index.html"}), done("The answer is 42.")])
    completion = client.chat.completions.create(
        model="webrun-browser-1", temperature=0.3, top_p=0.9, extra_body={"reach_out_mode": "off"},
        messages=[{"role": "system", "content": "Answer in one sentence."},
                  {"role": "user", "content": "What is six times seven?"},
                  {"role": "assistant", "content": "Let me look that up."},
                  {"role": "user", "content": f"Open the index page and tell me {tag}"}])
    assert completion.object == "chat.completion" and completion.id.startswith("chatcmpl-")
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.message.content == "The answer is 42."
    assert choice.finish_reason == "stop"
    assert completion.usage.prompt_tokens > 0 and completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens)
    vendor = completion.model_extra["webrun"]
    assert vendor == completion.model_extra["enigma"] and set(vendor) == {"sessionId", "taskId", "cost"}
    polled = httpx.get(f"{server.base_url}/task/{vendor['sessionId']}/{vendor['taskId']}").json()
    assert polled["status"] == "completed"
    wait_all_sessions_ended(server)  # the session ended with its task
    # The earlier turns reached the agent as context, the system message first; the last turn is the task.
    asked = json.dumps(llm.requests_for(tag.split(":", 1)[1])[0])
    assert asked.index("Answer in one sentence.") < asked.index("What is six times seven?") < asked.index(
        "Let me look that up.") < asked.index("Open the index page")


def test_a_streamed_completion(client, llm, site):
    answer = "A long answer. " * 40
    tag = script(llm, [done(answer)])
    chunks = list(client.chat.completions.create(
        model="enigma-browser-1", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": f"Tell me {tag}"}]))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == answer
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert finals[0].choices[0].delta.content is None
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert len({c.id for c in chunks}) == 1 and all(c.model == "enigma-browser-1" for c in chunks)


def test_a_stream_is_kept_alive_while_the_agent_works(server, llm):
    held = f"keepalive-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **done("finally")}])
    lines: list[str] = []
    with httpx.stream("POST", f"{server.base_url}/v1/chat/completions", timeout=60,
                      headers={"Authorization": f"Bearer {API_KEY}"},
                      json={"model": "webrun-browser-1", "stream": True,
                            "messages": [{"role": "user", "content": f"wait {tag}"}]}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith(":") and not llm.gate(held)._open.is_set():
                llm.gate(held).release()  # a keep-alive came while the agent waited: let it finish
    assert any(line.startswith(":") for line in lines)
    assert lines[-1] == "data: [DONE]" or lines[-2] == "data: [DONE]"


def test_response_format_asks_for_structured_json(client, llm):
    tag = script(llm, [done({"city": "Paris", "population": 2100000})])
    completion = client.chat.completions.create(
        model="webrun-browser-1", messages=[{"role": "user", "content": f"Which city? {tag}"}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": {
            "type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
            "required": ["city", "population"]}}})
    assert json.loads(completion.choices[0].message.content) == {"city": "Paris", "population": 2100000}


def test_max_tokens_caps_the_agents_output(client, llm):
    tag = script(llm, [{"usage": [10, 40], **act({"action": "wait", "seconds": 0})}, done("never")])
    completion = client.chat.completions.create(
        model="webrun-browser-1", max_tokens=20, messages=[{"role": "user", "content": f"talk {tag}"}])
    assert completion.choices[0].finish_reason == "length" and completion.choices[0].message.content == ""


def test_a_guardrail_ends_the_request(client, llm, server):
    ask = act({"action": "ask_human", "question": "Which card should I use?", "reason": "choice"})
    wait_all_sessions_ended(server)
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(model="webrun-browser-1",
                                       messages=[{"role": "user", "content": f"buy {script(llm, [ask])}"}])
    assert caught.value.code == "guardrail_triggered" and caught.value.body["type"] == "guardrail_error"
    assert caught.value.body["message"] == "Guardrail triggered: Which card should I use?"
    wait_all_sessions_ended(server)
    with pytest.raises(openai.APIError) as streamed:
        list(client.chat.completions.create(model="webrun-browser-1", stream=True,
                                            messages=[{"role": "user", "content": f"buy {script(llm, [ask])}"}]))
    assert "Guardrail triggered" in str(streamed.value)
    wait_all_sessions_ended(server)


@pytest.mark.parametrize("stream", [False, True])
def test_a_client_that_goes_away_ends_its_task_and_session(server, llm, stream):
    held = f"gone-{time.monotonic_ns()}-{stream}"
    tag = script(llm, [{"gate": held, **done("too late")}])
    wait_all_sessions_ended(server)
    body = json.dumps({"model": "webrun-browser-1", "stream": stream,
                       "messages": [{"role": "user", "content": f"wait {tag}"}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {API_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(head + body)
        llm.gate(held).wait_arrived()
        assert free_slots(server) == SLOTS - 1
    # The client closed its connection while the agent still works: the session ends.
    wait_all_sessions_ended(server)
    llm.gate(held).release()


def test_errors_are_in_openais_shape(server, client):
    bad = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model="webrun-browser-1", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.body["type"] == "authentication_error" and caught.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as empty:
        client.chat.completions.create(model="webrun-browser-1", messages=[])
    assert empty.value.body["param"] == "messages"
    with pytest.raises(openai.BadRequestError) as loud:
        client.chat.completions.create(model="webrun-browser-1", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"reach_out_mode": "loud"})
    assert loud.value.body["param"] == "reach_out_mode", loud.value.body
    assert "reach_out_mode must be one of: off, guardrail_only, full" in loud.value.body["message"]
    with pytest.raises(openai.BadRequestError) as image:
        client.chat.completions.create(model="webrun-browser-1", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}])
    assert "only text content" in image.value.message
    with pytest.raises(openai.BadRequestError) as no_user:
        client.chat.completions.create(model="webrun-browser-1", messages=[{"role": "system", "content": "x"}])
    assert "user message" in no_user.value.message
    missing = httpx.get(f"{server.base_url}/v1/nothing-here", headers={"Authorization": f"Bearer {API_KEY}"})
    assert missing.status_code == 404 and set(missing.json()["error"]) == {"message", "type", "code", "param"}
