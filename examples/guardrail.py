"""Answer the agent's question: a task that needs a person reports a guardrail; answer it and wait on."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Log in; ask me for the one-time code")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")
ANSWER = os.environ.get("EXAMPLE_ANSWER", "493817")

with Client() as client:
    task = client.run_task(PROMPT, starting_url=START_URL)
    while task.guardrail is not None:
        print(f"the agent asks ({task.guardrail.reason}): {task.guardrail.question}")
        client.sessions.answer(task.session_id, ANSWER)  # or stop=True to end the task
        task = client.tasks.wait(task)
    print("result:", task.message)
