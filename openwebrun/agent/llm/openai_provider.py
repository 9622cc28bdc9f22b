"""Decisions from any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server, ...).

Three request shapes ("modes") ask for the decision:
- json_schema: response_format json_schema, strict;
- tools: one forced function tool "decide" whose parameters are the schema;
- json: response_format json_object, the schema described in an extra system message.
"auto" starts with json_schema and falls back when the server refuses the shape, then keeps
the mode that worked.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlparse

import openai
from openai import AsyncOpenAI

from openwebrun.agent.llm.base import LLMError, LLMReply
from openwebrun.agent.llm.retry import Failure, RequestRejected, classify_sdk_error, with_retries
from openwebrun.agent.llm.structured import Answer, decide_structured, estimate_tokens
from openwebrun.agent.llm.validation import strict_compatible

log = logging.getLogger(__name__)

MODES = ("json_schema", "tools", "json")
TOOL_NAME = "decide"
TOOL_DESCRIPTION = "Report your decision for this step."
SHAPE_STATUS = {400, 415, 422, 501}  # how servers refuse a response_format or tools they do not support
SHAPE_WORDS = ("response_format", "json_schema", "tool", "function", "not supported", "unsupported")
NOT_SHAPE_WORDS = ("context length", "context_length", "maximum context", "too many tokens", "too long")
PLACEHOLDER_KEY = "not-needed"  # local servers need no key, but the SDK refuses to start without one


class OpenAIProvider:
    def __init__(self, model: str, *, api_key: str | None, base_url: str | None = None, mode: str = "auto",
                 timeout_s: float = 60, max_retries: int = 2, repair_attempts: int = 2, backoff_s: float = 0.5):
        if mode != "auto" and mode not in MODES:
            raise ValueError(f"mode must be 'auto' or one of {MODES}, got {mode!r}")
        self.model = model
        self.mode = mode
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.repair_attempts = repair_attempts
        self.backoff_s = backoff_s
        self.where = base_url or "https://api.openai.com/v1"
        self.learned_mode: str | None = None  # auto: the mode the server accepted
        self._official = (urlparse(self.where).hostname or "").endswith("api.openai.com")
        self.client = AsyncOpenAI(api_key=api_key or PLACEHOLDER_KEY, base_url=base_url,
                                  timeout=timeout_s, max_retries=0)  # our retries are the only ones

    async def decide(self, messages: list[dict[str, Any]], schema: dict[str, Any], *,
                     max_output_tokens: int | None = None, accept: dict[str, Any] | None = None) -> LLMReply:
        async def ask(history: list[dict[str, Any]]) -> Answer:
            return await self._ask(history, schema, max_output_tokens)

        return await decide_structured(ask, messages, accept or schema, self.repair_attempts)

    async def aclose(self) -> None:
        await self.client.close()

    # --- one exchange, choosing the mode --------------------------------------
    async def _ask(self, messages: list[dict[str, Any]], schema: dict[str, Any], max_tokens: int | None) -> Answer:
        fixed = self.mode if self.mode != "auto" else self.learned_mode
        if fixed:
            return await self._exchange(fixed, messages, schema, max_tokens)
        refusals: list[str] = []
        for mode in MODES:
            try:
                answer = await self._exchange(mode, messages, schema, max_tokens)
            except RequestRejected as exc:
                if not _is_shape_refusal(exc):
                    raise
                log.info("%s refused the %s request shape (%s); trying the next one", self.where, mode, exc.provider_message)
                refusals.append(f"{mode}: {exc.provider_message}")
                continue
            self.learned_mode = mode
            return answer
        raise LLMError(f"LLM server {self.where} refused every request shape ({'; '.join(refusals)})")

    async def _exchange(self, mode: str, messages: list[dict[str, Any]], schema: dict[str, Any],
                        max_tokens: int | None) -> Answer:
        request = self._request(mode, messages, schema, max_tokens)

        async def call() -> Any:
            return await asyncio.wait_for(self.client.chat.completions.create(**request), self.timeout_s)

        response = await with_retries(call, self._classify, max_retries=self.max_retries, base_s=self.backoff_s,
                                      what=f"LLM request to {self.where}")
        return _answer(response, mode, request["messages"])

    def _request(self, mode: str, messages: list[dict[str, Any]], schema: dict[str, Any],
                 max_tokens: int | None) -> dict[str, Any]:
        request: dict[str, Any] = {"model": self.model, "messages": messages}
        if mode == "json_schema":
            request["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "decision", "strict": strict_compatible(schema),
                                                          "schema": schema}}
        elif mode == "tools":
            request["tools"] = [{"type": "function", "function": {
                "name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": schema}}]
            request["tool_choice"] = {"type": "function", "function": {"name": TOOL_NAME}}
        else:
            request["response_format"] = {"type": "json_object"}
            request["messages"] = with_schema_instruction(messages, schema)
        if max_tokens is not None:
            request["max_completion_tokens" if self._official else "max_tokens"] = max_tokens
        return request

    def _classify(self, exc: BaseException) -> Failure | None:
        return classify_sdk_error(openai, exc, self.timeout_s)


def with_schema_instruction(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages with a system message describing the schema, placed after the leading system messages."""
    note = {"role": "system", "content": "Reply with one JSON object only (no prose, no code fences) that is valid "
                                         "for this JSON Schema:\n" + json.dumps(schema, separators=(",", ":"))}
    at = 0
    while at < len(messages) and messages[at].get("role") in ("system", "developer"):
        at += 1
    return messages[:at] + [note] + messages[at:]


def _is_shape_refusal(exc: RequestRejected) -> bool:
    text = exc.provider_message.lower()
    if any(word in text for word in NOT_SHAPE_WORDS):
        return False
    return exc.status in SHAPE_STATUS or any(word in text for word in SHAPE_WORDS)


def _answer(response: Any, mode: str, sent: list[dict[str, Any]]) -> Answer:
    if not getattr(response, "choices", None):
        raise LLMError(f"the LLM server answered without choices: {str(response)[:200]}")
    message = response.choices[0].message
    text = ""
    calls = message.tool_calls or []
    if mode == "tools" and calls:
        call = next((c for c in calls if getattr(c, "function", None) and c.function.name == TOOL_NAME), calls[0])
        text = call.function.arguments or ""
    if not text:
        text = message.content or getattr(message, "refusal", None) or ""
    usage = response.usage
    if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
        return Answer(text, usage.prompt_tokens or 0, usage.completion_tokens or 0)
    return Answer(text, estimate_tokens(sent), estimate_tokens(text))
