"""An API process in cluster mode: the runtime that routes to the workers, and the feed of their events."""
from __future__ import annotations

from openwebrun.cluster import names
from openwebrun.cluster.relay import EventFeed, connect
from openwebrun.cluster.runtime import ClusterRuntime
from openwebrun.runtime.events import EventHub
from openwebrun.settings import Settings
from openwebrun.store.repositories import Store


async def cluster_runtime(settings: Settings, store: Store, hub: EventHub) -> tuple[ClusterRuntime, EventFeed]:
    """The runtime (started by the app with the rest) and the event feed into `hub` (started here)."""
    feed = EventFeed(hub, connect(settings.redis_url or "", listening=True), names.events_channel(settings.cluster_name))
    await feed.start()
    return ClusterRuntime(settings, store, hub), feed
