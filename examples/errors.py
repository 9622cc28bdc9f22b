"""Errors are exceptions carrying the server's code; 429 and 503 are retried (honouring Retry-After)."""
import os

from openwebrun import AuthenticationError, Client, ConflictError, RetryPolicy, TaskFailedError

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Buy the cheapest flight to the moon")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client(api_key="owr_wrong") as client:
    try:
        client.sessions.start()
    except AuthenticationError as exc:
        print("refused:", exc.status, exc.code)

with Client(retry=RetryPolicy(attempts=6, max_retry_after=30)) as client:
    session = client.sessions.start()
    try:
        client.sessions.pause(session.session_id)  # nothing runs yet
    except ConflictError as exc:
        print("conflict:", exc.code, "-", exc.message)
    client.sessions.terminate(session.session_id)
    try:
        client.run_task(PROMPT, starting_url=START_URL)
    except TaskFailedError as exc:
        print("task failed:", exc.code, "-", exc.message)
