"""AnthropicProvider against the scripted Messages server over real HTTP."""
from __future__ import annotations

import json

import pytest

from openwebrun.agent.llm.anthropic_provider import to_anthropic_messages
from openwebrun.agent.llm.base import LLMError, LLMOutputError
from tests.llm.conftest import DECISION, SCHEMA, messages, name

PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


async def test_decision_comes_from_a_forced_tool(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [{**DECISION, "usage": [321, 45]}])
    reply = await anthropic_provider().decide(messages(tag), SCHEMA, max_output_tokens=500)
    assert reply.data == DECISION
    assert (reply.input_tokens, reply.output_tokens) == (321, 45)
    [request] = anthropic_llm.requests_for(script)
    assert request["system"] == "You are a browser agent."
    assert request["tools"] == [{"name": "decide", "description": "Report your decision for this step.",
                                 "input_schema": SCHEMA}]
    assert request["tool_choice"] == {"type": "tool", "name": "decide"}
    assert request["max_tokens"] == 500
    assert [m["role"] for m in request["messages"]] == ["user"]


async def test_image_parts_become_image_blocks(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [DECISION])
    await anthropic_provider().decide(messages(tag, image=f"data:image/png;base64,{PIXEL}"), SCHEMA)
    [request] = anthropic_llm.requests_for(script)
    text, image = request["messages"][0]["content"]
    assert text["type"] == "text" and tag in text["text"]
    assert image == {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}}


async def test_a_text_answer_is_read_and_repaired(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [{"raw": "Decision:\n```json\n" + json.dumps(DECISION) + ",\n```"}])
    reply = await anthropic_provider().decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    assert len(anthropic_llm.requests_for(script)) == 1


async def test_overloaded_is_retried(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [{"status": 529, "error": "Overloaded"}, DECISION])
    assert (await anthropic_provider().decide(messages(tag), SCHEMA)).data == DECISION
    assert len(anthropic_llm.requests_for(script)) == 2


async def test_errors_forever_raise_llm_error_with_the_provider_message(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [{"status": 500, "error": "Internal server error"}])
    with pytest.raises(LLMError, match="HTTP 500: Internal server error"):
        await anthropic_provider(max_retries=1).decide(messages(tag), SCHEMA)
    assert len(anthropic_llm.requests_for(script)) == 2


async def test_invalid_tool_input_is_corrected_by_asking_again(anthropic_llm, anthropic_provider):
    script = name()
    wrong = {"thinking": "t", "next_goal": "g", "actions": []}
    tag = anthropic_llm.script(script, [{**wrong, "usage": [10, 2]}, {**DECISION, "usage": [12, 3]}])
    reply = await anthropic_provider().decide(messages(tag), SCHEMA)
    assert reply.data == DECISION
    assert (reply.input_tokens, reply.output_tokens) == (22, 5)
    second = anthropic_llm.requests_for(script)[1]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert "$.actions" in second["messages"][2]["content"][0]["text"]


async def test_garbage_forever_is_an_output_error(anthropic_llm, anthropic_provider):
    script = name()
    tag = anthropic_llm.script(script, [{"raw": "no idea"}])
    with pytest.raises(LLMOutputError):
        await anthropic_provider(repair_attempts=1).decide(messages(tag), SCHEMA)
    assert len(anthropic_llm.requests_for(script)) == 2


def test_messages_are_mapped_to_system_and_alternating_turns():
    system, turns = to_anthropic_messages([
        {"role": "system", "content": "rules"},
        {"role": "system", "content": [{"type": "text", "text": "more rules"}]},
        {"role": "user", "content": "a"},
        {"role": "user", "content": [{"type": "text", "text": "b"},
                                     {"type": "image_url", "image_url": {"url": "https://example.test/x.png"}}]},
        {"role": "assistant", "content": "c"},
    ])
    assert system == "rules\n\nmore rules"
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"},
                                     {"type": "image", "source": {"type": "url", "url": "https://example.test/x.png"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "c"}]},
    ]
