"""Events across machines: a worker publishes its hub's events to Redis; every API process feeds them
into its own hub, so its subscribers (sockets, chat streams, MCP) see every session's events.

Events are pickled: they are the project's own dataclasses, sent between its own processes over the
cluster's private Redis. A Redis outage loses live events only; results are in PostgreSQL.
"""
from __future__ import annotations

import asyncio
import logging
import pickle

import redis.asyncio as redis

from openwebrun.domain.events import Event
from openwebrun.runtime.events import EventHub, HubFollower

log = logging.getLogger(__name__)
RETRY_S = 1.0
REDIS_TIMEOUT_S = 5.0


def connect(url: str, listening: bool = False) -> redis.Redis:
    """A client whose calls time out; one `listening` to a channel waits for messages as long as it takes."""
    return redis.Redis.from_url(url, socket_timeout=None if listening else REDIS_TIMEOUT_S,
                                socket_connect_timeout=REDIS_TIMEOUT_S, health_check_interval=30)


class EventPublisher(HubFollower):
    """Every event of the worker's hub, in order, onto the cluster's channel."""

    job_name = "event-publisher"

    def __init__(self, hub: EventHub, client: redis.Redis, channel: str):
        super().__init__(hub, maxsize=10_000)
        self.client = client
        self.channel = channel
        self.lost = 0  # events not published since Redis went away

    async def handle(self, event: Event) -> None:
        try:
            await self.client.publish(self.channel, pickle.dumps(event))
        except Exception as exc:  # Redis down: live events are lost, results are not
            if not self.lost:
                log.warning("Redis is unreachable (%s): live events are lost until it is back", exc)
            self.lost += 1
            return
        if self.lost:
            log.warning("Redis is back: %d live events were lost", self.lost)
            self.lost = 0


class EventFeed:
    """The cluster's events into this process's hub; reconnects when Redis comes back."""

    def __init__(self, hub: EventHub, client: redis.Redis, channel: str):
        self.hub = hub
        self.client = client
        self.channel = channel
        self.subscribed = asyncio.Event()
        self._job: asyncio.Task | None = None

    async def start(self) -> None:
        self._job = asyncio.create_task(self._run(), name="event-feed")
        await asyncio.wait_for(self.subscribed.wait(), REDIS_TIMEOUT_S)

    async def close(self) -> None:
        if self._job is not None:
            self._job.cancel()
            await asyncio.gather(self._job, return_exceptions=True)
        await self.client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.hub.relay(pickle.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cluster events: Redis failed (%s); retrying", exc)
                await asyncio.sleep(RETRY_S)
