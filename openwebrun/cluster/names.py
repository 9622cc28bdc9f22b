"""The names the cluster's parts find each other by (Ray actors, placement groups, Redis keys)."""
from __future__ import annotations

HOST_PREFIX = "host-"


WORKER_RESOURCE_PREFIX = "openwebrun-worker-"


def worker_resource(worker_id: str) -> str:
    """A Ray resource only that worker's node has: its host actor is placed through it."""
    return f"{WORKER_RESOURCE_PREFIX}{worker_id}"


def worker_of(resources: dict[str, float]) -> str | None:
    """The worker id a Ray node's resources name; None for a node that is no openwebrun worker."""
    return next((key.removeprefix(WORKER_RESOURCE_PREFIX) for key in resources
                 if key.startswith(WORKER_RESOURCE_PREFIX)), None)


def host_name(worker_id: str) -> str:
    """The session host actor of a worker."""
    return f"{HOST_PREFIX}{worker_id}"


def placement_name(session_id: str) -> str:
    """A session's placement group: the browser slot Ray reserved for it."""
    return f"session-{session_id}"


def events_channel(cluster: str) -> str:
    return f"{cluster}:events"


def socket_channel(cluster: str) -> str:
    return f"{cluster}:socketio"


def session_hosts_key(cluster: str) -> str:
    """Redis hash: session id -> the host actor that holds it."""
    return f"{cluster}:session-hosts"


SLOT = "browser_slot"  # the custom Ray resource: one per session a worker can hold
