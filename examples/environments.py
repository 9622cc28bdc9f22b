"""An environment keeps a browser's state (cookies, storage, files) between sessions: log in once, start
logged in next time. Its archive can be downloaded, and uploaded into another environment."""
import io
import os
import tarfile

from openwebrun import Client, NotFoundError

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Log in, then tell me whether the page says you are logged in.")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    env = client.environments.create("example", "a logged-in browser")
    print("created:", env.status)  # empty

    first = client.sessions.start(PROMPT, starting_url=START_URL, environment_id=env.id)
    print("first visit:", first.task.message if first.task else None)
    client.sessions.terminate(first.session_id)  # the browser's state is saved into the environment
    env = next(e for e in client.environments.list() if e.id == env.id)
    print("saved:", env.status, "after", env.usage_count, "session(s)")

    again = client.run_task(PROMPT, starting_url=START_URL, environment_id=env.id)  # starts from that state
    print("second visit:", again.message)

    archive = client.environments.download(env.id)  # a .tar.gz: state.json, profile.json and files/
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        print("archive:", ", ".join(sorted(tar.getnames())))
    copy = client.environments.upload(client.environments.create("example copy").id, ("state.tar.gz", archive))
    print("copy:", copy.status)

    for kept in (env, copy):
        client.environments.delete(kept.id)
    try:
        client.environments.delete(env.id)
    except NotFoundError as exc:
        print("deleted:", exc.code)
