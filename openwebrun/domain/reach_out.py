"""reachOutMode (REST) / reach_out_mode (MCP): where WebRun sends a session's questions and results
besides the API, to a chat user linked to its environment: `off` (the API only), `guardrail_only`
(questions too; the default) or `full` (results too). openwebrun has no chat channels, so in every
mode questions and results reach the caller through the API, the socket and webhooks only. The value
is checked (a bad one is refused) and fixed when the session is created.
"""
from __future__ import annotations

from typing import Literal, get_args

ReachOutMode = Literal["off", "guardrail_only", "full"]
REACH_OUT_MODES: tuple[str, ...] = get_args(ReachOutMode)
DEFAULT_REACH_OUT_MODE: ReachOutMode = "guardrail_only"


def reach_out_refusal(name: str) -> str:
    """The message for a value that is not a mode (`name` as the caller spelt the field)."""
    return f"{name} must be one of: {', '.join(REACH_OUT_MODES)}"


def checked_reach_out_mode(value: object, name: str) -> object:
    """`value` when it is None or a mode; a ValueError with the refusal naming `name` otherwise."""
    if value is not None and value not in REACH_OUT_MODES:
        raise ValueError(reach_out_refusal(name))
    return value
