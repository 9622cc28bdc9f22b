"""What the agent loop and the action set share: the observed page and action outcomes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageState:
    """One observation. Element numbers in `text` are valid only for this `version`."""

    url: str
    title: str
    text: str  # the serialized page the model reads
    element_count: int
    version: int
    tabs: list[dict[str, Any]] = field(default_factory=list)  # {index, url, title, active}
    dialog: str | None = None
    capture_ms: float = 0.0


@dataclass
class ActionResult:
    """Outcome of one action; errors are data for the model, not exceptions."""

    message: str = ""
    error: str | None = None
    done: bool = False
    success: bool = True  # with done: whether the task succeeded
    output: Any = None  # with done: the result the model gave
    page_changed: bool = False  # a later action in the same batch would act on a stale state
