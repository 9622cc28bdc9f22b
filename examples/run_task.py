"""Run one task in a session of its own and print its result.

    OPENWEBRUN_URL=http://127.0.0.1:8000 OPENWEBRUN_API_KEY=owr_... python examples/run_task.py
"""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "What is the main heading of the page?")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:  # OPENWEBRUN_URL and OPENWEBRUN_API_KEY
    task = client.run_task(PROMPT, starting_url=START_URL, max_duration=120_000)
    print("result:", task.message)
    print("tokens:", task.usage.input_tokens if task.usage else 0, "in,", task.usage.output_tokens if task.usage else 0, "out")
