"""The request of POST /v1/chat/completions, as OpenAI's clients send it (unknown fields are ignored)."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from openwebrun.domain.reach_out import ReachOutMode, checked_reach_out_mode

MODELS = ("webrun-browser-1", "enigma-browser-1")  # aliases of the configured agent
ACCEPTED_MODELS = (*MODELS, "webrun-browser-pro", "webrun-browser-fast")
CREATED = 1704067200


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextPart(Loose):
    type: Literal["text"]
    text: str


class Message(Loose):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _text_only(cls, v: Any) -> Any:
        if isinstance(v, list):
            for part in v:
                if not isinstance(part, dict) or part.get("type") != "text":
                    raise ValueError("only text content is supported (no images, audio or files)")
        return v

    @property
    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)


class StreamOptions(Loose):
    include_usage: bool = False


class JsonSchemaFormat(Loose):
    name: str = "answer"
    schema_: dict[str, Any] = Field(default_factory=lambda: {"type": "object"}, alias="schema")
    strict: bool | None = None


class ResponseFormat(Loose):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


ReachOutModeIn = Annotated[ReachOutMode | None, BeforeValidator(partial(checked_reach_out_mode, name="reach_out_mode"))]


class ChatRequest(Loose):
    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = None  # accepted and ignored: the agent decides its own sampling
    top_p: float | None = None  # accepted and ignored
    response_format: ResponseFormat | None = None
    reach_out_mode: ReachOutModeIn = None  # checked; no chat channels here (domain/reach_out.py)

    @property
    def output_cap(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens
