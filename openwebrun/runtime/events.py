"""The event hub: one stream out of every live session, a bounded queue per subscriber.

`publish` never waits: a subscriber whose queue is full loses its oldest events and is told so
(an EventsLost event comes first on its next read), so a slow reader never slows the agent.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator

from openwebrun.domain.events import Event, EventsLost

DEFAULT_QUEUE = 1000
log = logging.getLogger(__name__)


class Subscription:
    """One subscriber's queue: events of one session (or of all when session_id is None)."""

    def __init__(self, hub: EventHub, session_id: str | None, maxsize: int | None):
        self.hub = hub
        self.session_id = session_id
        self.maxsize = maxsize
        self.lost = 0
        self._queue: deque[Event] = deque()
        self._ready = asyncio.Event()
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.closed or (self.session_id is not None and event.session_id != self.session_id):
            return
        if self.maxsize is not None and len(self._queue) >= self.maxsize:
            self._queue.popleft()
            self.lost += 1
        self._queue.append(event)
        self._ready.set()

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event; None when the subscription is closed (or `timeout` passed)."""
        while not self._queue and not self.closed:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        if self.lost:
            lost, self.lost = self.lost, 0
            return EventsLost(session_id=self.session_id or "", count=lost, seq=self._queue[0].seq if self._queue else 0,
                              at=time.time())
        if not self._queue:
            return None
        return self._queue.popleft()

    def close(self) -> None:
        self.closed = True
        self.hub._subscribers.discard(self)
        self._ready.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self.get()
            if event is None:
                return
            yield event

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    """In-process fan-out; the interface is small enough to put Redis pub/sub behind it."""

    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self._seq = itertools.count(1)
        self.last_seq = 0

    def publish(self, event: Event) -> Event:
        event.seq = self.last_seq = next(self._seq)
        event.at = time.time()
        for subscriber in list(self._subscribers):
            subscriber.offer(event)
        return event

    def relay(self, event: Event) -> None:
        """Hand subscribers an event another process published (its seq and time stay as they were)."""
        for subscriber in list(self._subscribers):
            subscriber.offer(event)

    def subscribe(self, session_id: str | None = None, maxsize: int | None = DEFAULT_QUEUE) -> Subscription:
        """Events from now on; maxsize None is unbounded (only for subscribers that must see all)."""
        subscription = Subscription(self, session_id, maxsize)
        self._subscribers.add(subscription)
        return subscription

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)


class HubFollower:
    """A background job that hands every event of the hub, in order, to `handle` (start, then close).
    An event `handle` fails on is logged and skipped: one bad event never stops the follower."""

    job_name = "hub-follower"

    def __init__(self, hub: EventHub, maxsize: int | None):
        self._subscription = hub.subscribe(maxsize=maxsize)
        self._job: asyncio.Task | None = None

    def start(self) -> None:
        self._job = asyncio.create_task(self._follow(), name=self.job_name)

    async def close(self) -> None:
        self._subscription.close()
        if self._job is not None:
            await asyncio.gather(self._job, return_exceptions=True)

    async def _follow(self) -> None:
        async for event in self._subscription:
            try:
                await self.handle(event)
            except Exception:
                log.exception("%s: event %s of session %s not handled", self.job_name, event.kind, event.session_id)

    async def handle(self, event: Event) -> None:
        raise NotImplementedError
