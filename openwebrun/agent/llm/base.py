"""The contract every LLM provider meets: one structured decision per call."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class LLMError(Exception):
    """The provider could not produce a decision (HTTP error, timeout, refused request)."""


class LLMOutputError(LLMError):
    """The model answered, but its output could not be turned into a decision."""

    input_tokens: int = 0  # spent even though it failed
    output_tokens: int = 0


@dataclass
class LLMReply:
    data: dict[str, Any]  # the parsed decision, an object matching the requested schema
    raw: str  # what the model sent, for the step trace
    input_tokens: int
    output_tokens: int


class LLMClient(Protocol):
    model: str

    async def decide(
        self,
        messages: list[dict[str, Any]],
        schema: dict[str, Any],
        *,
        max_output_tokens: int | None = None,
        accept: dict[str, Any] | None = None,
    ) -> LLMReply:
        """Send chat messages (OpenAI format) with `schema` for the model, get back an object valid
        for `accept` (default: `schema`; a wider schema leaves the rest to the caller's own checks).

        Raises LLMError when the provider fails after its retries, LLMOutputError when
        the output stays malformed after repair attempts.
        """
        ...
