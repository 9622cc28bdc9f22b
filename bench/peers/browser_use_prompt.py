"""Runs INSIDE bench/.venv-browser-use: what browser-use's agent sends every step besides the page.

Builds a real Agent with its defaults and an OpenAI chat model (nothing is started or called) and
prints one JSON object: the system prompt text and the structured-output definitions exactly as
its ChatOpenAI puts them in the request (response_format json_schema of the AgentOutput model,
which carries every action's parameters and description), serialized compactly as on the wire.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile

from browser_use_state import quiet_environment


def main() -> None:
    home = tempfile.mkdtemp(prefix="bench-browser-use-")
    quiet_environment(home)
    logging.disable(logging.WARNING)
    try:
        from importlib.metadata import version

        from browser_use import Agent, ChatOpenAI
        from browser_use.llm.schema import SchemaOptimizer

        llm = ChatOpenAI(model=os.environ.get("BENCH_MODEL", "gpt-4.1-mini"), api_key="not-used")
        agent = Agent(task="(task)", llm=llm)
        system = agent._message_manager.system_prompt.content
        schema = SchemaOptimizer.create_optimized_json_schema(
            agent.AgentOutput, remove_min_items=llm.remove_min_items_from_schema,
            remove_defaults=llm.remove_defaults_from_schema)
        response_format = {"type": "json_schema", "json_schema": {"name": "agent_output", "strict": True,
                                                                  "schema": schema}}
        actions = sorted(agent.tools.registry.registry.actions)
        print(json.dumps({"version": version("browser-use"), "model": llm.model, "system": system,
                          "response_format": json.dumps(response_format, separators=(",", ":")),
                          "actions": actions, "max_actions_per_step": agent.settings.max_actions_per_step}))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
