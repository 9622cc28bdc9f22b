"""A scripted Anthropic-compatible Messages server (POST /v1/messages) on loopback.

Scripts and steps work as in ScriptedLLM (see its docstring); answers come in the Messages
API's shape: a forced tool ("tools" in the request) gets a tool_use block whose input is the
decision, otherwise a text block; {"raw": "text"} is a text block; errors use Anthropic's
error body. `base_url` has no /v1: the SDK adds it.
"""
from __future__ import annotations

import json
from typing import Any

from tests.fakes.llm_server import ScriptedLLM, step_decision


class ScriptedAnthropic(ScriptedLLM):
    path_suffix = "/v1/messages"

    @property
    def base_url(self) -> str:
        return super().base_url.removesuffix("/v1")

    def render(self, body: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
        decision = step_decision(body, step)
        tools = body.get("tools") or []
        if "raw" in step:
            content = [{"type": "text", "text": step["raw"]}]
        elif tools:
            content = [{"type": "tool_use", "id": "toolu_1", "name": tools[0]["name"], "input": decision}]
        else:
            content = [{"type": "text", "text": json.dumps(decision)}]
        if "usage" in step:
            input_tokens, output_tokens = step["usage"]
        else:
            input_tokens = len(json.dumps([body.get("system", ""), body.get("messages", [])])) // 4
            output_tokens = len(json.dumps(content)) // 4
        return {
            "id": "msg_scripted", "type": "message", "role": "assistant",
            "model": body.get("model", "scripted"), "content": content,
            "stop_reason": "tool_use" if content[0]["type"] == "tool_use" else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }

    def render_error(self, status: int, message: str) -> dict[str, Any]:
        kind = {400: "invalid_request_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
