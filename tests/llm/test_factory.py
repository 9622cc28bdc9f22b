"""build_llm: the provider the settings describe, working against the scripted servers."""
from __future__ import annotations

from openwebrun.agent.llm.anthropic_provider import AnthropicProvider
from openwebrun.agent.llm.factory import build_llm
from openwebrun.agent.llm.openai_provider import OpenAIProvider
from openwebrun.settings import Settings
from tests.llm.conftest import DECISION, SCHEMA, messages, name


def test_no_model_means_no_llm():
    assert build_llm(Settings(model=None)) is None


async def test_openai_compatible_server_without_a_key(llm):
    settings = Settings(model="local-model", openai_base_url=llm.base_url, openai_api_key=None, llm_mode="tools",
                        llm_timeout_s=7, llm_max_retries=1)
    provider = build_llm(settings)
    assert isinstance(provider, OpenAIProvider)
    assert (provider.model, provider.mode, provider.timeout_s, provider.max_retries) == ("local-model", "tools", 7, 1)
    script = name()
    tag = llm.script(script, [DECISION])
    try:
        assert (await provider.decide(messages(tag), SCHEMA)).data == DECISION
    finally:
        await provider.aclose()
    assert llm.requests_for(script)[0]["model"] == "local-model"


async def test_anthropic_reads_its_key_and_base_url_from_the_environment(anthropic_llm, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_llm.base_url)
    provider = build_llm(Settings(model="claude-test", llm_provider="anthropic"))
    assert isinstance(provider, AnthropicProvider)
    script = name()
    tag = anthropic_llm.script(script, [DECISION])
    try:
        assert (await provider.decide(messages(tag), SCHEMA)).data == DECISION
    finally:
        await provider.aclose()
    assert provider.client.api_key == "sk-test"
