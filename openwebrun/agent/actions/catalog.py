"""The action set: names, parameters, the JSON Schema of one model decision, and its prompt listing.

Schemas follow OpenAI's strict structured-output rules (every property required, optional ones
nullable, no additional properties), except `done.result`, which may be any JSON value unless a
result schema is given.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

MAX_WAIT_S = 10
ASK_REASONS = ("credentials", "code", "choice", "confirmation", "captcha", "other")

STR = {"type": "string"}
INDEX = {"type": "integer"}  # an element number [n]; the system prompt explains them
TAB = {"type": "integer"}  # a tab number of the tab list
# the user message says what the result must be (text, or JSON for the caller's schema)
ANY_RESULT = {"type": ["string", "number", "boolean", "object", "array", "null"]}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: dict[str, dict[str, Any]]  # name -> JSON Schema
    help: str  # one line for the prompt
    optional: tuple[str, ...] = ()  # params that may be null (or left out)


ACTIONS: dict[str, ActionSpec] = {a.name: a for a in [
    ActionSpec("navigate", {"url": STR}, "open url in this tab"),
    ActionSpec("click", {"index": INDEX}, "click element"),
    ActionSpec("type", {"index": INDEX, "text": STR, "submit": {"type": "boolean"}},
               "replace the field's text; submit=true then presses Enter", optional=("submit",)),
    ActionSpec("press_key", {"keys": STR}, 'keys for the focused element: "Enter", "Control+A", "Tab Tab"'),
    ActionSpec("scroll", {"direction": {"type": "string", "enum": ["up", "down"]}, "pages": {"type": "number"}},
               "page or scrollable area; 0.5 = half a screen", optional=("pages",)),
    ActionSpec("scroll_to_text", {"text": STR}, "scroll until text is visible"),
    ActionSpec("go_back", {}, "browser back"),
    ActionSpec("wait", {"seconds": {"type": "number"}}, f"at most {MAX_WAIT_S}"),
    ActionSpec("read_page", {}, "whole page as markdown (long content, extraction)"),
    ActionSpec("select_option", {"index": INDEX, "option": {"anyOf": [STR, {"type": "array", "items": STR}]}},
               "select's option by text or value; a list if multiple"),
    ActionSpec("check", {"index": INDEX, "checked": {"type": "boolean"}}, "set checkbox, radio or switch"),
    ActionSpec("hover", {"index": INDEX}, "mouse over element (menus)"),
    ActionSpec("drag", {"index": INDEX, "to": INDEX}, "drag element onto element [to]"),
    ActionSpec("open_tab", {"url": STR}, "open url in a new tab"),
    ActionSpec("switch_tab", {"tab": TAB}, "make tab current"),
    ActionSpec("close_tab", {"tab": TAB}, "close tab"),
    ActionSpec("upload_file", {"index": INDEX, "file": STR},
               "attached file (by name) into a file input or upload button"),
    ActionSpec("dialog", {"accept": {"type": "boolean"}, "text": {"type": ["string", "null"]}},
               "answer the open JS alert/confirm/prompt; text for prompts", optional=("text",)),
    ActionSpec("wait_for", {"what": {"type": "string", "enum": ["navigation", "network_idle"]}},
               f"at most {MAX_WAIT_S} s, for a page load or a quiet network"),
    ActionSpec("ask_human", {"question": STR, "reason": {"type": "string", "enum": list(ASK_REASONS)}},
               "ask the person and wait for the answer"),
    ActionSpec("done", {"success": {"type": "boolean"}, "result": ANY_RESULT},
               "finish; success=false if impossible; result = the answer"),
]}


def _action_schema(spec: ActionSpec, result_schema: dict | None) -> dict[str, Any]:
    props: dict[str, Any] = {"action": {"type": "string", "enum": [spec.name]}}
    for name, schema in spec.params.items():
        props[name] = copy.deepcopy(schema)
        if name in spec.optional and "null" not in str(schema.get("type")):
            props[name] = {"anyOf": [props[name], {"type": "null"}]}  # strict mode: required but nullable
    if spec.name == "done" and result_schema is not None:
        props["result"] = copy.deepcopy(result_schema)
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def decision_schema(result_schema: dict | None = None) -> dict[str, Any]:
    """JSON Schema of one model decision; `result_schema` narrows done.result when given."""
    return {
        "type": "object",
        "properties": {
            "thinking": {"type": "string"},
            "next_goal": {"type": "string"},
            "actions": {"type": "array",
                        "items": {"anyOf": [_action_schema(a, result_schema) for a in ACTIONS.values()]}},
        },
        "required": ["thinking", "next_goal", "actions"],
        "additionalProperties": False,
    }


def _signature(spec: ActionSpec) -> str:
    return f"{spec.name}({', '.join(spec.params)})"


def describe_actions() -> str:
    """The action list for the system prompt, one short line per action."""
    lines = [f"- {_signature(a)}: {a.help}" for a in ACTIONS.values()]
    lines.append('Action shape: {"action": "click", "index": 4}.')
    return "\n".join(lines)


@cache
def _validator(name: str) -> Draft202012Validator:
    spec = ACTIONS[name]
    schema = _action_schema(spec, None)
    schema["required"] = ["action"] + [p for p in spec.params if p not in spec.optional]
    for name in spec.optional:
        schema["properties"][name] = {"anyOf": [schema["properties"][name], {"type": "null"}]}
    return Draft202012Validator(schema)


def check_action(action: Any) -> str | None:
    """Why `action` cannot run (unknown name, missing or bad parameters), or None when it is valid."""
    if not isinstance(action, dict):
        return f"an action must be an object like {{\"action\": \"click\", \"index\": 3}}, got {action!r:.80}"
    name = action.get("action")
    if name not in ACTIONS:
        return f"unknown action {name!r:.40}; known actions: {', '.join(ACTIONS)}"
    errors = sorted(_validator(name).iter_errors(action), key=lambda e: list(e.path))
    if errors:
        problems = "; ".join(_explain(e) for e in errors[:3])
        return f"bad parameters for {_signature(ACTIONS[name])}: {problems}"
    return None


def _explain(error: Any) -> str:
    where = ".".join(str(p) for p in error.path)
    return f"{where}: {error.message}" if where else error.message
