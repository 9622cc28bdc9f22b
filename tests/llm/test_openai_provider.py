"""OpenAIProvider against the scripted OpenAI-compatible server over real HTTP."""
from __future__ import annotations

import json
import socket
import time

import pytest

from openwebrun.agent.llm.base import LLMError, LLMOutputError
from openwebrun.agent.llm.openai_provider import OpenAIProvider
from tests.llm.conftest import DECISION, SCHEMA, messages, name

FENCED = "Here is my decision:\n```json\n" + json.dumps(DECISION, indent=2) + "\n```\nLet me know."
TRAILING_COMMA = '{"thinking": "t", "next_goal": "g", "actions": [{"action": "click", "index": 3,},],}'


def user_texts(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user" and isinstance(m["content"], str)]


# --- the three modes ------------------------------------------------------------
async def test_tools_mode_forces_the_decide_tool(llm, openai_provider):
    script = name()
    tag = llm.script(script, [DECISION])
    reply = await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    [request] = llm.requests_for(script)
    assert request["tools"][0]["function"]["name"] == "decide"
    assert request["tools"][0]["function"]["parameters"] == SCHEMA
    assert request["tool_choice"] == {"type": "function", "function": {"name": "decide"}}
    assert "response_format" not in request
    assert json.loads(reply.raw) == DECISION


async def test_json_schema_mode_sends_a_strict_response_format(llm, openai_provider):
    script = name()
    tag = llm.script(script, [DECISION])
    reply = await openai_provider(mode="json_schema").decide(messages(tag), SCHEMA, max_output_tokens=300)
    assert reply.data == DECISION
    [request] = llm.requests_for(script)
    assert request["response_format"] == {"type": "json_schema",
                                          "json_schema": {"name": "decision", "strict": True, "schema": SCHEMA}}
    assert "tools" not in request
    assert request["max_tokens"] == 300


async def test_json_mode_describes_the_schema_in_a_system_message(llm, openai_provider):
    script = name()
    tag = llm.script(script, [DECISION])
    reply = await openai_provider(mode="json").decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    [request] = llm.requests_for(script)
    assert request["response_format"] == {"type": "json_object"}
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["system", "system", "user"]
    assert json.dumps(SCHEMA, separators=(",", ":")) in request["messages"][1]["content"]


@pytest.mark.parametrize("raw", [
    "Sure. " + json.dumps(DECISION) + " That is all.",
    FENCED,
    TRAILING_COMMA.replace('"index": 3', '"index": 3'),
    "{'thinking': 't', 'next_goal': 'g', 'actions': [{'action': 'click', 'index': 3}]}",
    '{"thinking": "t", "next_goal": "g", "actions": [{"action": "click", "index": 3}',
], ids=["prose", "fence", "trailing-comma", "single-quotes", "unclosed"])
async def test_malformed_content_is_repaired_without_asking_again(llm, openai_provider, raw):
    script = name()
    tag = llm.script(script, [{"raw": raw}])
    reply = await openai_provider(mode="json").decide(messages(tag), SCHEMA)
    assert reply.data["actions"] == [{"action": "click", "index": 3}]
    assert len(llm.requests_for(script)) == 1
    assert reply.raw == raw


async def test_tool_arguments_with_trailing_commas_are_repaired(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"tool_raw": TRAILING_COMMA}])
    reply = await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert reply.data == {"thinking": "t", "next_goal": "g", "actions": [{"action": "click", "index": 3}]}
    assert len(llm.requests_for(script)) == 1


# --- auto mode ------------------------------------------------------------------
async def test_auto_falls_back_to_tools_and_remembers_it(llm, openai_provider):
    script = name()
    tag = llm.script(script, [DECISION], rejects={"json_schema"})
    provider = openai_provider()
    assert (await provider.decide(messages(tag), SCHEMA)).data == DECISION
    first, second = llm.requests_for(script)
    assert first["response_format"]["type"] == "json_schema"
    assert "tools" in second and "response_format" not in second
    assert provider.learned_mode == "tools"
    await provider.decide(messages(tag), SCHEMA)
    third = llm.requests_for(script)[2:]
    assert len(third) == 1 and "tools" in third[0]


async def test_auto_falls_back_to_json_object_mode(llm, openai_provider):
    script = name()
    tag = llm.script(script, [DECISION], rejects={"json_schema", "tools"})
    provider = openai_provider()
    assert (await provider.decide(messages(tag), SCHEMA)).data == DECISION
    assert provider.learned_mode == "json"
    assert [r.get("response_format", {}).get("type") for r in llm.requests_for(script)] == [
        "json_schema", None, "json_object"]


async def test_auto_reports_every_refusal_when_no_shape_is_accepted(llm, openai_provider):
    tag = llm.script(name(), [DECISION], rejects={"json_schema", "tools", "json_object"})
    with pytest.raises(LLMError, match="refused every request shape") as caught:
        await openai_provider().decide(messages(tag), SCHEMA)
    assert "json_schema: HTTP 400: response shape not supported" in str(caught.value)


async def test_auto_does_not_fall_back_on_a_context_length_error(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 400, "error": "This model's maximum context length is 8192 tokens"}])
    with pytest.raises(LLMError, match="HTTP 400: This model's maximum context length"):
        await openai_provider().decide(messages(tag), SCHEMA)
    assert len(llm.requests_for(script)) == 1


# --- HTTP failures and retries ----------------------------------------------------
async def test_a_server_error_is_retried(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 500}, DECISION])
    reply = await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    assert len(llm.requests_for(script)) == 2


async def test_server_errors_forever_end_in_llm_error_with_status_and_message(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 503, "error": "model is loading"}])
    with pytest.raises(LLMError) as caught:
        await openai_provider(mode="tools", max_retries=2).decide(messages(tag), SCHEMA)
    assert not isinstance(caught.value, LLMOutputError)
    assert "HTTP 503: model is loading" in str(caught.value)
    assert "3 attempts" in str(caught.value)
    assert len(llm.requests_for(script)) == 3


async def test_rate_limit_honours_retry_after(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 429, "error": "slow down", "headers": {"Retry-After": "1"}}, DECISION])
    started = time.monotonic()
    reply = await openai_provider(mode="tools", backoff_s=0.01).decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    assert time.monotonic() - started >= 0.9
    assert len(llm.requests_for(script)) == 2


async def test_a_long_retry_after_is_not_waited_for(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 429, "error": "quota exceeded", "headers": {"Retry-After": "3600"}}])
    started = time.monotonic()
    with pytest.raises(LLMError, match="quota exceeded.*retry after 3600 s"):
        await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert time.monotonic() - started < 2
    assert len(llm.requests_for(script)) == 1


async def test_a_refused_request_is_not_retried(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 401, "error": "Incorrect API key provided"}])
    with pytest.raises(LLMError, match="HTTP 401: Incorrect API key provided"):
        await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert len(llm.requests_for(script)) == 1


async def test_a_slow_server_times_out(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"delay": 2, **DECISION}])
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"no answer within 0.3 s") as caught:
        await openai_provider(mode="tools", timeout_s=0.3, max_retries=1).decide(messages(tag), SCHEMA)
    assert "2 attempts" in str(caught.value)
    assert time.monotonic() - started < 1.8
    assert len(llm.requests_for(script)) == 2


async def test_an_unreachable_server_is_a_connection_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAIProvider("m", api_key=None, base_url=f"http://127.0.0.1:{port}/v1", mode="tools",
                              timeout_s=2, max_retries=1, backoff_s=0.01)
    try:
        with pytest.raises(LLMError, match="cannot connect"):
            await provider.decide(messages("script:none"), SCHEMA)
    finally:
        await provider.aclose()


# --- output that stays wrong, and usage ------------------------------------------
async def test_garbage_forever_raises_output_error_after_bounded_repairs(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"raw": "I am not sure what to do here."}])
    with pytest.raises(LLMOutputError, match="not a valid decision after 3 tries") as caught:
        await openai_provider(mode="json", repair_attempts=2).decide(messages(tag), SCHEMA)
    requests = llm.requests_for(script)
    assert len(requests) == 3
    assert any("could not be used" in text for text in user_texts(requests[1]))
    assert caught.value.input_tokens > 0


async def test_an_invalid_decision_is_sent_back_with_its_errors(llm, openai_provider):
    script = name()
    wrong = {"thinking": "t", "next_goal": "g", "actions": [{"action": "click", "index": "three"}]}
    tag = llm.script(script, [wrong, DECISION])
    reply = await openai_provider(mode="tools").decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    first, second = llm.requests_for(script)
    note = user_texts(second)[-1]
    assert "$.actions[0].index" in note and "'three' is not of type 'integer'" in note
    assert second["messages"][-2] == {"role": "assistant", "content": json.dumps(wrong)}
    assert len(second["messages"]) == len(first["messages"]) + 2


async def test_usage_is_summed_over_retries_and_repairs(llm, openai_provider):
    script = name()
    tag = llm.script(script, [{"status": 502}, {"raw": "nope", "usage": [100, 5]}, {**DECISION, "usage": [120, 30]}])
    reply = await openai_provider(mode="json").decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    assert (reply.input_tokens, reply.output_tokens) == (220, 35)
    assert len(llm.requests_for(script)) == 3
