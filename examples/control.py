"""Steer a running task: pause and resume it, take over the browser, click and type, release it."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Fill in the order form")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    session = client.sessions.start()
    sid = session.session_id
    task = client.sessions.new_task(sid, PROMPT, starting_url=START_URL, wait=False)
    print("running:", task.task_id, flush=True)
    client.sessions.pause(sid)
    print("paused", flush=True)
    client.sessions.resume(sid)
    print("resumed", flush=True)
    client.sessions.take_over(sid)  # a person holds the browser; the agent waits
    client.sessions.click(sid, 200, 300)  # stream pixels: the page starts below the 155-pixel bar
    client.sessions.type(sid, "hello")
    client.sessions.key_press(sid, "Escape")
    client.sessions.release(sid)
    print("released", flush=True)
    task = client.tasks.wait(task)
    print("result:", task.message)
    client.sessions.terminate(sid)
