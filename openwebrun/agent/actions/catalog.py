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
# a point inside an element: [x, y] from its top-left corner, in pixels, or as fractions below 1
POINT = {"type": "array", "items": {"type": "number"}}
# the user message says what the result must be (text, or JSON for the caller's schema)
ANY_RESULT = {"type": ["string", "number", "boolean", "object", "array", "null"]}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: dict[str, dict[str, Any]]  # name -> JSON Schema
    help: str  # one line for the prompt
    optional: tuple[str, ...] = ()  # params that may be null (or left out)
    vision: bool = False  # offered only when the model sees a screenshot


ACTIONS: dict[str, ActionSpec] = {a.name: a for a in [
    ActionSpec("navigate", {"url": STR}, "open url in this tab"),
    ActionSpec("click", {"index": INDEX, "at": POINT}, "click element; at=[x,y] in it: px, or fractions <1",
               optional=("at",)),
    ActionSpec("type", {"index": INDEX, "text": STR, "submit": {"type": "boolean"}},
               "replace the field's text; submit=true then presses Enter", optional=("submit",)),
    ActionSpec("press_key", {"keys": STR}, 'keys for the focused element: "Enter", "Control+A", "Tab Tab"'),
    ActionSpec("scroll", {"direction": {"type": "string", "enum": ["up", "down"]}, "pages": {"type": "number"},
                          "index": INDEX},
               "page, or scroll area [index]; 0.5 = half a screen", optional=("pages", "index")),
    ActionSpec("scroll_to_text", {"text": STR}, "scroll until text is visible"),
    ActionSpec("go_back", {}, "browser back"),
    ActionSpec("wait", {"seconds": {"type": "number"}}, f"at most {MAX_WAIT_S}"),
    ActionSpec("read_page", {"index": INDEX}, "whole page as markdown, or full text of [index]",
               optional=("index",)),
    ActionSpec("select_text", {"index": INDEX, "text": STR}, "select text in [index] (null: page)",
               optional=("index",)),
    ActionSpec("select_option", {"index": INDEX, "option": {"anyOf": [STR, {"type": "array", "items": STR}]}},
               "select's option by text or value; a list if multiple"),
    ActionSpec("check", {"index": INDEX, "checked": {"type": "boolean"}}, "set checkbox, radio or switch"),
    ActionSpec("hover", {"index": INDEX, "at": POINT}, "mouse over element (menus)", optional=("at",)),
    ActionSpec("drag", {"index": INDEX, "to": INDEX, "by": POINT, "at": POINT},
               "drag from its point at onto [to], or by [dx,dy] px", optional=("to", "by", "at")),
    ActionSpec("click_at", {"x": {"type": "number"}, "y": {"type": "number"}},
               "click screenshot pixel", vision=True),
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


def _action_schema(spec: ActionSpec, result_schema: dict | None, lenient: bool = False) -> dict[str, Any]:
    """One action's schema; strict mode's shape (every property required, optional ones nullable)
    unless `lenient`, where optional properties may also be left out (answers are checked with it)."""
    props: dict[str, Any] = {"action": {"type": "string", "enum": [spec.name]}}
    for name, schema in spec.params.items():
        props[name] = copy.deepcopy(schema)
        if name in spec.optional and "null" not in str(schema.get("type")):
            if isinstance(schema.get("type"), str):
                props[name]["type"] = [schema["type"], "null"]  # strict mode: required but nullable
            else:
                props[name] = {"anyOf": [props[name], {"type": "null"}]}
    if spec.name == "done" and result_schema is not None:
        props["result"] = copy.deepcopy(result_schema)
    required = [p for p in props if not (lenient and p in spec.optional)]
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def offered(vision: bool = False) -> list[ActionSpec]:
    """The actions the model may use: those needing a screenshot only with vision."""
    return [a for a in ACTIONS.values() if vision or not a.vision]


def decision_schema(result_schema: dict | None = None, vision: bool = False, lenient: bool = False) -> dict[str, Any]:
    """JSON Schema of one model decision; `result_schema` narrows done.result when given; `lenient`
    lets optional parameters be left out (the schema answers are checked against)."""
    return {
        "type": "object",
        "properties": {
            "thinking": {"type": "string"},
            "next_goal": {"type": "string"},
            "actions": {"type": "array",
                        "items": {"anyOf": [_action_schema(a, result_schema, lenient) for a in offered(vision)]}},
        },
        "required": ["thinking", "next_goal", "actions"],
        "additionalProperties": False,
    }


def _signature(spec: ActionSpec) -> str:
    return f"{spec.name}({', '.join(spec.params)})"


def describe_actions(vision: bool = False) -> str:
    """The action list for the system prompt, one short line per action."""
    lines = [f"- {_signature(a)}: {a.help}" for a in offered(vision)]
    lines.append('Action shape: {"action": "click", "index": 4}.')
    return "\n".join(lines)


@cache
def _validator(name: str) -> Draft202012Validator:
    spec = ACTIONS[name]
    return Draft202012Validator(_action_schema(spec, None, lenient=True))


def check_action(action: Any, vision: bool = False) -> str | None:
    """Why `action` cannot run (unknown name, missing or bad parameters), or None when it is valid."""
    if not isinstance(action, dict):
        return f"an action must be an object like {{\"action\": \"click\", \"index\": 3}}, got {action!r:.80}"
    name = action.get("action")
    if name not in ACTIONS or (ACTIONS[name].vision and not vision):
        return f"unknown action {name!r:.40}; known actions: {', '.join(a.name for a in offered(vision))}"
    errors = sorted(_validator(name).iter_errors(action), key=lambda e: list(e.path))
    if errors:
        problems = "; ".join(_explain(e) for e in errors[:3])
        return f"bad parameters for {_signature(ACTIONS[name])}: {problems}"
    return None


def _explain(error: Any) -> str:
    where = ".".join(str(p) for p in error.path)
    return f"{where}: {error.message}" if where else error.message
