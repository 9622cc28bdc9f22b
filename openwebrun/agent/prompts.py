"""The messages the model reads each step: a fixed system prompt and one user message."""
from __future__ import annotations

import json
from typing import Any

from openwebrun.agent.actions.catalog import describe_actions
from openwebrun.agent.env import PageState
from openwebrun.domain.models import OutputType, TaskSpec

SYSTEM_PROMPT = """You are a browser agent. You complete the user's task in a real web browser, step by step.
Each step you get the task, your recent history and the current page: interactive elements are numbered [n];
use those numbers. Numbers are valid for this step only.
Answer with one JSON object: {"thinking": short reasoning, "next_goal": what this step does, "actions": [...]}.
Several actions in one step run in order until one changes the page.
Rules: act only on what the page shows; if an action failed, try another way; never invent data.
When the task is complete, or cannot be completed, use done with the final result.
If only a person can give what you need (missing credentials, a one-time code, approval of a purchase,
a choice the task leaves open, a captcha), use ask_human instead of guessing; the answer comes next step.

Actions:
"""


VISION_NOTE = "\nA screenshot of the viewport comes with the page; click_at takes its pixel coordinates.\n"


def system_prompt(vision: bool = False) -> str:
    return SYSTEM_PROMPT + describe_actions(vision) + (VISION_NOTE if vision else "")


def _output_instructions(spec: TaskSpec) -> str:
    if spec.output_type is OutputType.STRUCTURED_JSON:
        return ("done.result must be a JSON value valid for this JSON Schema:\n"
                + json.dumps(spec.output_schema, separators=(",", ":")))
    if spec.output_type is OutputType.STRUCTURED_CSV:
        return ("done.result must be a JSON array of rows, each row an object with exactly these keys and a "
                "string value for each: " + json.dumps(list(spec.output_schema), ensure_ascii=False)
                + ". Do not write CSV text yourself: the server writes the CSV from the rows.")
    return "done.result is your answer as markdown text."


def _secret_instructions(secret_fields: dict[str, list[str]]) -> str:
    """Field names per site pattern, never values."""
    lines = [f"- {'any site' if match == 'all' else match}: {', '.join(names)}" for match, names in secret_fields.items()]
    return ("Secrets (their values are hidden from you): to type one, put <secret:NAME> in type's text, "
            "e.g. <secret:password>; it is filled in only on a page whose host matches its site:\n" + "\n".join(lines))


def user_message(spec: TaskSpec, history: list[str], state: PageState, notes: list[str], file_names: list[str],
                 secret_fields: dict[str, list[str]] | None = None) -> str:
    parts = [f"<task>\n{spec.task_details}\n</task>", _output_instructions(spec)]
    if file_names:
        parts.append("Attached files (for upload_file): " + ", ".join(file_names))
    if secret_fields:
        parts.append(_secret_instructions(secret_fields))
    if spec.avoid_domains:
        parts.append("Blocked sites (avoidDomains; subdomains too): " + ", ".join(spec.avoid_domains))
    if history:
        parts.append("<history>\n" + "\n".join(history) + "\n</history>")
    for note in notes:
        parts.append(f"<note>{note}</note>")
    parts.append(f"<page>\n{state.text}\n</page>")
    return "\n\n".join(parts)


def system_with_role(policy_role: str, vision: bool = False) -> str:
    """The system prompt, with the session policy's LLM role added (guidance; the rules are enforced)."""
    if not policy_role.strip():
        return system_prompt(vision)
    return (system_prompt(vision) + "\n\nThe operator's policy for this session adds these instructions:\n"
            + policy_role.strip() + "\nActions the policy forbids are refused before they run; you are told when.")


def build_messages(spec: TaskSpec, history: list[str], state: PageState, notes: list[str],
                   file_names: list[str], screenshot_b64: str | None = None,
                   secret_fields: dict[str, list[str]] | None = None, vision: bool = False,
                   policy_role: str = "") -> list[dict[str, Any]]:
    text = user_message(spec, history, state, notes, file_names, secret_fields)
    content: Any = text
    if screenshot_b64:
        content = [{"type": "text", "text": text},
                   {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{screenshot_b64}"}}]
    return [{"role": "system", "content": system_with_role(policy_role, vision)}, {"role": "user", "content": content}]
