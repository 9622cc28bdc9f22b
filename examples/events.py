"""Follow a session's events as they happen (over its socket) with the asyncio client."""
import asyncio
import os

from openwebrun import AsyncClient

PROMPT = os.environ.get("EXAMPLE_PROMPT", "What is the main heading of the page?")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")


async def main() -> None:
    async with AsyncClient() as client:
        session = await client.sessions.start()
        sid = session.session_id
        async with client.socket(sid) as socket:  # connected before the task starts: no event missed
            run = asyncio.ensure_future(client.sessions.new_task(sid, PROMPT, starting_url=START_URL))
            async for event in socket.events():  # ends with the session
                if event.type == "agent":
                    print("thinks:", event.content)
                elif event.type == "action":
                    print("does:", event.data["name"], event.data.get("target") or "")
                else:
                    print(event.type)
                if event.type in ("task_completed", "error"):
                    print("result:", (await run).message)
                    await client.sessions.terminate(sid)
        # Without a socket to keep, `async for event in client.events(sid)` does the same.


asyncio.run(main())
