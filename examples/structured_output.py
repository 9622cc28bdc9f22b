"""A task whose result follows a JSON Schema: `task.output` is the parsed value."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "List the books offered in the order form")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")
SCHEMA = {"type": "object", "properties": {"books": {"type": "array", "items": {"type": "string"}}},
          "required": ["books"]}

with Client() as client:
    task = client.run_task(PROMPT, starting_url=START_URL, output_type="structured_json", output_schema=SCHEMA)
    print("books:", ", ".join(task.output["books"]))
