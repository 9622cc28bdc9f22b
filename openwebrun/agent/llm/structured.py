"""One structured decision out of a chat model: parse, repair, validate, ask again (bounded).

Providers supply `ask(messages) -> Answer` (one HTTP exchange, retries included); this module
turns answers into an LLMReply or an LLMOutputError, and sums token usage over every exchange.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from openwebrun.agent.llm.base import LLMOutputError, LLMReply
from openwebrun.agent.llm.json_repair import parse_lenient
from openwebrun.agent.llm.validation import bounded_validator, schema_errors

MAX_ECHO_CHARS = 2000  # how much of a bad answer is shown back to the model
NOT_PARSED = object()
PATTERN_BUDGET_S = 1.0  # for the `pattern`s of one answer


@dataclass
class Answer:
    text: str  # what the model sent: tool arguments or message content
    input_tokens: int
    output_tokens: int
    parsed: Any = NOT_PARSED  # set when the provider already has a JSON value (e.g. Anthropic tool input)


Ask = Callable[[list[dict[str, Any]]], Awaitable[Answer]]


def estimate_tokens(value: Any) -> int:
    """Rough count (4 characters a token) for servers that report no usage."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return max(1, len(text) // 4)


def interpret(answer: Answer, validator: Draft202012Validator) -> tuple[dict[str, Any] | None, list[str]]:
    """The decision in `answer`, or the problems that stop it being one."""
    if answer.parsed is not NOT_PARSED:
        value = answer.parsed
    else:
        if not answer.text.strip():
            return None, ["the reply was empty"]
        try:
            value = parse_lenient(answer.text, want_object=True)
        except ValueError as exc:
            return None, [str(exc)]
    if not isinstance(value, dict):
        return None, [f"expected one JSON object, got {type(value).__name__}"]
    problems = schema_errors(validator, value)
    return (None, problems) if problems else (value, [])


def corrective_messages(bad_text: str, problems: list[str]) -> list[dict[str, Any]]:
    """An assistant turn echoing the bad answer and a short user turn saying what to fix."""
    note = ("Your previous answer could not be used: " + "; ".join(problems)
            + ". Answer again with exactly one JSON object that is valid for the required schema, and nothing else.")
    echoed = bad_text.strip()[:MAX_ECHO_CHARS]
    turns: list[dict[str, Any]] = [{"role": "assistant", "content": echoed}] if echoed else []
    return turns + [{"role": "user", "content": note}]


async def decide_structured(ask: Ask, messages: list[dict[str, Any]], schema: dict[str, Any],
                            repair_attempts: int) -> LLMReply:
    """Ask until the answer is a valid decision, at most 1 + repair_attempts exchanges."""
    input_tokens = output_tokens = 0
    history = list(messages)
    problems: list[str] = []
    last_text = ""
    for _ in range(repair_attempts + 1):
        answer = await ask(history)
        input_tokens += answer.input_tokens
        output_tokens += answer.output_tokens
        # done.result may carry the caller's patterns: their matching is bounded in time
        data, problems = interpret(answer, bounded_validator(schema, PATTERN_BUDGET_S))
        if data is not None:
            return LLMReply(data=data, raw=answer.text, input_tokens=input_tokens, output_tokens=output_tokens)
        last_text = answer.text
        history = list(messages) + corrective_messages(answer.text, problems)
    error = LLMOutputError(f"the model's answer was not a valid decision after {repair_attempts + 1} tries: "
                           + "; ".join(problems) + f" (last answer: {last_text[:200]!r})")
    error.input_tokens, error.output_tokens = input_tokens, output_tokens  # spent even though it failed
    raise error
