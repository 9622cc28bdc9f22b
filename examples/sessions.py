"""A session that stays open for several tasks; the browser keeps its page between them."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "What is the main heading of the page?")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    session = client.sessions.start(expires_in=120_000)  # idle: no first task
    print("session:", session.session_id)
    print("watch it live:", session.streaming.web_view_url if session.streaming else None)
    first = client.sessions.new_task(session.session_id, PROMPT, starting_url=START_URL)
    print("first:", first.message)
    second = client.sessions.new_task(session.session_id, PROMPT)  # same browser, same page
    print("second:", second.message)
    client.sessions.terminate(session.session_id)
    print("terminated")
