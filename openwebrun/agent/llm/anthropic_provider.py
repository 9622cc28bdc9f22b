"""Decisions from Anthropic's Messages API: one forced tool "decide" whose input is the decision.

Messages come in OpenAI's chat format and are mapped: system messages to the `system`
parameter, image_url parts (data: or http URLs) to image blocks, consecutive turns of one
role merged.
"""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import anthropic
from anthropic import AsyncAnthropic

from openwebrun.agent.llm.base import LLMError, LLMReply
from openwebrun.agent.llm.retry import Failure, classify_sdk_error, with_retries
from openwebrun.agent.llm.structured import Answer, decide_structured, estimate_tokens

TOOL_NAME = "decide"
TOOL_DESCRIPTION = "Report your decision for this step."
DEFAULT_MAX_TOKENS = 4096  # the Messages API requires a limit on every call
PLACEHOLDER_KEY = "not-needed"
DATA_URL_RE = re.compile(r"^data:(?P<type>[\w/+.-]+);base64,(?P<data>.*)$", re.DOTALL)


class AnthropicProvider:
    def __init__(self, model: str, *, api_key: str | None, base_url: str | None = None, timeout_s: float = 60,
                 max_retries: int = 2, repair_attempts: int = 2, backoff_s: float = 0.5):
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.repair_attempts = repair_attempts
        self.backoff_s = backoff_s
        self.where = base_url or "https://api.anthropic.com"
        self.client = AsyncAnthropic(api_key=api_key or PLACEHOLDER_KEY, base_url=base_url,
                                     timeout=timeout_s, max_retries=0)  # our retries are the only ones

    async def decide(self, messages: list[dict[str, Any]], schema: dict[str, Any], *,
                     max_output_tokens: int | None = None, accept: dict[str, Any] | None = None) -> LLMReply:
        async def ask(history: list[dict[str, Any]]) -> Answer:
            return await self._exchange(history, schema, max_output_tokens or DEFAULT_MAX_TOKENS)

        return await decide_structured(ask, messages, accept or schema, self.repair_attempts)

    async def aclose(self) -> None:
        await self.client.close()

    async def _exchange(self, messages: list[dict[str, Any]], schema: dict[str, Any], max_tokens: int) -> Answer:
        system, turns = to_anthropic_messages(messages)
        request: dict[str, Any] = {
            "model": self.model, "max_tokens": max_tokens, "messages": turns,
            "tools": [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": schema}],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }
        if system:
            request["system"] = system

        async def call() -> Any:
            return await asyncio.wait_for(self.client.messages.create(**request), self.timeout_s)

        response = await with_retries(call, self._classify, max_retries=self.max_retries, base_s=self.backoff_s,
                                      what=f"LLM request to {self.where}")
        return _answer(response, turns)

    def _classify(self, exc: BaseException) -> Failure | None:
        return classify_sdk_error(anthropic, exc, self.timeout_s)


def to_anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(system text, alternating user/assistant turns with content blocks) from OpenAI chat messages."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(b["text"] for b in content_blocks(message.get("content")) if b["type"] == "text")
            continue
        role = "assistant" if role == "assistant" else "user"
        blocks = content_blocks(message.get("content"))
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [{"type": "text", "text": "Continue."}]})
    return "\n\n".join(system), turns


def content_blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content.strip() else []
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and str(part.get("text", "")).strip():
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            url = part.get("image_url", {})
            url = url.get("url", "") if isinstance(url, dict) else str(url)
            blocks.append(image_block(url))
    return blocks


def image_block(url: str) -> dict[str, Any]:
    found = DATA_URL_RE.match(url)
    if found:
        return {"type": "image", "source": {"type": "base64", "media_type": found["type"], "data": found["data"]}}
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise LLMError(f"cannot send image {url[:40]!r}: only data: and http(s) URLs are supported")


def _answer(response: Any, sent: list[dict[str, Any]]) -> Answer:
    blocks = list(getattr(response, "content", None) or [])
    usage = getattr(response, "usage", None)
    tokens_in = tokens_out = 0
    if usage is not None:
        tokens_in = (usage.input_tokens or 0) + (getattr(usage, "cache_creation_input_tokens", 0) or 0) \
            + (getattr(usage, "cache_read_input_tokens", 0) or 0)
        tokens_out = usage.output_tokens or 0
    tool = next((b for b in blocks if b.type == "tool_use" and b.name == TOOL_NAME), None)
    if tool is not None and isinstance(tool.input, str):  # some proxies pass the arguments as text
        return Answer(tool.input, tokens_in or estimate_tokens(sent), tokens_out or estimate_tokens(tool.input))
    if tool is not None:
        text = json.dumps(tool.input, ensure_ascii=False)
        return Answer(text, tokens_in or estimate_tokens(sent), tokens_out or estimate_tokens(text), parsed=tool.input)
    text = "".join(getattr(b, "text", "") for b in blocks if b.type == "text")
    return Answer(text, tokens_in or estimate_tokens(sent), tokens_out or estimate_tokens(text))
