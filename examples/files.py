"""Upload a file, attach it to a task (the agent can put it into a page), and download files back."""
import os

from openwebrun import Client

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Send notes.txt with the upload form")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    [uploaded] = client.files.upload(("notes.txt", b"Meeting at noon\n", "text/plain"))
    print("uploaded:", uploaded.file_id, uploaded.original_name, uploaded.size, "bytes")
    task = client.run_task(PROMPT, starting_url=START_URL, files=[uploaded.file_id])
    print("result:", task.message)
    print("stored copy:", client.files.download(uploaded.file_id).decode().strip())
    for file in task.data.files if task.data else []:  # files the agent downloaded: signed links
        print("downloaded by the agent:", file.filename, len(client.files.download(file.download_url or "")), "bytes")
