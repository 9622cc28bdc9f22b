"""Fixtures for the provider tests: the scripted servers and providers pointed at them."""
from __future__ import annotations

import itertools
from typing import Any

import pytest

from openwebrun.agent.llm.anthropic_provider import AnthropicProvider
from openwebrun.agent.llm.openai_provider import OpenAIProvider
from tests.fakes.anthropic_server import ScriptedAnthropic

_names = itertools.count()

CLICK = {"type": "object", "properties": {"action": {"type": "string", "enum": ["click"]}, "index": {"type": "integer"}},
         "required": ["action", "index"], "additionalProperties": False}
DONE = {"type": "object", "properties": {"action": {"type": "string", "enum": ["done"]}, "success": {"type": "boolean"},
                                         "result": {"type": ["string", "null"]}},
        "required": ["action", "success", "result"], "additionalProperties": False}
SCHEMA = {  # the shape of a decision, in the strict structured-output style
    "type": "object",
    "properties": {"thinking": {"type": "string"}, "next_goal": {"type": "string"},
                   "actions": {"type": "array", "minItems": 1, "items": {"anyOf": [CLICK, DONE]}}},
    "required": ["thinking", "next_goal", "actions"], "additionalProperties": False,
}
DECISION = {"thinking": "the button is there", "next_goal": "press it", "actions": [{"action": "click", "index": 3}]}


def messages(tag: str, *, image: str | None = None) -> list[dict[str, Any]]:
    text = f"<task>{tag} press the button</task>\n<page>\n[3] <button>Go</button>\n</page>"
    content: Any = text
    if image:
        content = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": image}}]
    return [{"role": "system", "content": "You are a browser agent."}, {"role": "user", "content": content}]


def name() -> str:
    return f"llm{next(_names)}"


@pytest.fixture
async def openai_provider(llm):
    """make(**options) -> OpenAIProvider on the scripted server, fast backoff; closed after the test."""
    made: list[OpenAIProvider] = []

    def make(**options: Any) -> OpenAIProvider:
        settings = {"api_key": "test", "base_url": llm.base_url, "timeout_s": 5, "max_retries": 2, "backoff_s": 0.01}
        settings.update(options)
        provider = OpenAIProvider("scripted-model", **settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture(scope="session")
def anthropic_llm():
    server = ScriptedAnthropic().start()
    yield server
    server.stop()


@pytest.fixture
async def anthropic_provider(anthropic_llm):
    made: list[AnthropicProvider] = []

    def make(**options: Any) -> AnthropicProvider:
        settings = {"api_key": "test", "base_url": anthropic_llm.base_url, "timeout_s": 5, "max_retries": 2,
                    "backoff_s": 0.01}
        settings.update(options)
        provider = AnthropicProvider("claude-test", **settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()
