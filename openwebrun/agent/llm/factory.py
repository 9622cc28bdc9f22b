"""The LLM client the settings ask for, or None when no model is configured."""
from __future__ import annotations

import os

from openwebrun.agent.llm.anthropic_provider import AnthropicProvider
from openwebrun.agent.llm.base import LLMClient
from openwebrun.agent.llm.openai_provider import OpenAIProvider
from openwebrun.settings import Settings


def build_llm(settings: Settings) -> LLMClient | None:
    if not settings.model:
        return None
    if settings.llm_provider == "anthropic":
        return AnthropicProvider(settings.model, api_key=os.environ.get("ANTHROPIC_API_KEY"),
                                 base_url=os.environ.get("ANTHROPIC_BASE_URL") or None,
                                 timeout_s=settings.llm_timeout_s, max_retries=settings.llm_max_retries)
    return OpenAIProvider(settings.model, api_key=settings.openai_api_key, base_url=settings.openai_base_url or None,
                          mode=settings.llm_mode, timeout_s=settings.llm_timeout_s,
                          max_retries=settings.llm_max_retries)
