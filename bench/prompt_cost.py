"""Fixed prompt cost per step, in o200k_base tokens: what every request carries besides the task,
the history and the page. openwebrun beside browser-use 0.13.14, measured the same way.

- openwebrun: system_prompt() plus the decision schema as each request shape of the OpenAI
  provider sends it (json_schema response_format; forced function tool; json_object with the
  schema in an extra system message), built by the provider's own request builder.
- browser-use: its Agent's system prompt (defaults, OpenAI model) plus its response_format
  json_schema (the AgentOutput model carrying every action), from the installed package.
Definitions are counted as their compact JSON, the text that goes over the wire; providers may
re-render schemas internally, the same way for both sides.

Usage: python bench/prompt_cost.py   (set-up once: bash bench/peers/setup.sh)
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tokens  # noqa: E402

from openwebrun.agent.actions.catalog import decision_schema  # noqa: E402
from openwebrun.agent.llm.openai_provider import MODES, OpenAIProvider  # noqa: E402
from openwebrun.agent.prompts import system_prompt  # noqa: E402

PEER_PYTHON = ROOT / "bench" / ".venv-browser-use" / "bin" / "python"
PEER_SCRIPT = ROOT / "bench" / "peers" / "browser_use_prompt.py"
TARGET = 1500
WIRE = {"separators": (",", ":"), "ensure_ascii": False}


def ours() -> list[tuple[str, int, int]]:
    """(request shape, system prompt tokens, definition tokens) for each shape the provider sends."""
    system = system_prompt()
    system_tokens = tokens.count(system)
    provider = OpenAIProvider("model", api_key="not-used", base_url="http://127.0.0.1:9/v1")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "(task and page)"}]
    rows = []
    for mode in MODES:
        request = provider._request(mode, messages, decision_schema(), None)
        if mode == "json_schema":
            definitions = json.dumps(request["response_format"], **WIRE)
        elif mode == "tools":
            definitions = json.dumps({"tools": request["tools"], "tool_choice": request["tool_choice"]}, **WIRE)
        else:  # the schema travels in an extra system message; response_format is {"type":"json_object"}
            extra = [m["content"] for m in request["messages"] if m["role"] == "system" and m["content"] != system]
            definitions = "\n".join(extra) + json.dumps(request["response_format"], **WIRE)
        rows.append((mode, system_tokens, tokens.count(definitions)))
    return rows


def theirs() -> dict:
    if not PEER_PYTHON.exists():
        raise SystemExit("browser-use is not installed: bash bench/peers/setup.sh")
    done = subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT)], capture_output=True, text=True, timeout=180,
                          cwd=PEER_SCRIPT.parent)
    if done.returncode != 0:
        raise SystemExit(f"browser-use prompt dump failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    peer = theirs()
    peer_system, peer_defs = tokens.count(peer["system"]), tokens.count(peer["response_format"])
    print(f"fixed prompt cost per step, {tokens.describe()}\n")
    print(f"{'':<50}{'system':>8}{'actions':>9}{'total':>8}")
    totals = []
    for mode, system, definitions in ours():
        totals.append(system + definitions)
        print(f"{'openwebrun, ' + mode:<50}{system:>8}{definitions:>9}{system + definitions:>8}")
    label = f"browser-use {peer['version']}, json_schema ({peer['model']})"
    print(f"{label:<50}{peer_system:>8}{peer_defs:>9}{peer_system + peer_defs:>8}")
    print(f"\nbrowser-use: {len(peer['actions'])} actions ({', '.join(peer['actions'])}), "
          f"up to {peer['max_actions_per_step']} per step")
    print(f"openwebrun/browser-use: {min(totals) / (peer_system + peer_defs):.2f}x to "
          f"{max(totals) / (peer_system + peer_defs):.2f}x; openwebrun target <= {TARGET} tokens "
          f"(largest shape: {max(totals)})")


if __name__ == "__main__":
    main()
