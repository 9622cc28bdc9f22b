"""Start a task without waiting, wait for it later (polling with backoff), then read its steps."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "What is the main heading of the page?")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    task = client.tasks.run(PROMPT, starting_url=START_URL, wait=False)
    print("started:", task.task_id, task.status)
    task = client.tasks.wait(task, timeout=300)
    print("finished:", task.status, task.message)
    for step in client.tasks.steps(task.session_id, task.task_id):
        print(f"step {step.number}: {step.next_goal} -> {step.results}")
    shot = client.tasks.screenshot(task.session_id, task.task_id, 1)
    print("screenshot of step 1:", len(shot), "bytes of JPEG" if shot[:2] == b"\xff\xd8" else "bytes")
