"""The names the cluster's parts find each other by (Ray actors, placement groups, Redis channels)."""
from __future__ import annotations

HOST_PREFIX = "host-"


WORKER_RESOURCE_PREFIX = "openwebrun-worker-"


def worker_resource(worker_id: str) -> str:
    """A Ray resource only that worker's node has: the worker finds its node by it."""
    return f"{WORKER_RESOURCE_PREFIX}{worker_id}"


def host_name(node_id: str) -> str:
    """The session host actor of the worker on Ray node `node_id`."""
    return f"{HOST_PREFIX}{node_id}"


def placement_name(session_id: str) -> str:
    """A session's placement group: the browser slot Ray reserved for it."""
    return f"session-{session_id}"


def events_channel(cluster: str) -> str:
    return f"{cluster}:events"


def socket_channel(cluster: str) -> str:
    return f"{cluster}:socketio"


SLOT = "browser_slot"  # the custom Ray resource: one per session a worker can hold
