"""Ray's side of a session's place: a placement group of one browser slot, named after the session."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import ray
from ray.exceptions import GetTimeoutError
from ray.util.placement_group import placement_group, placement_group_table, remove_placement_group

from openwebrun.cluster import names
from openwebrun.runtime.errors import CapacityExceeded

FULL_WAIT_S = 1.0


async def reserve_slot(session_id: str, timeout_s: float, held: Callable[[], Awaitable[int]]) -> tuple[Any, str]:
    """A browser slot on some worker, chosen by Ray: (placement group, node id). CapacityExceeded
    when Ray could not place it within `timeout_s`, or within FULL_WAIT_S when the cluster is full:
    Ray's view shows no free slot and `held()` (the live sessions the store knows, which a terminate
    updates before it answers) fills every slot. Ray's view lags a slot just given back, the store does not."""
    if (await asyncio.to_thread(ray.available_resources)).get(names.SLOT, 0) < 1:
        total = (await asyncio.to_thread(ray.cluster_resources)).get(names.SLOT, 0)
        if await held() >= total:
            timeout_s = min(timeout_s, FULL_WAIT_S)
    pg = await asyncio.to_thread(placement_group, [{names.SLOT: 1}], name=names.placement_name(session_id),
                                 lifetime="detached")
    try:
        await asyncio.wait_for(pg.ready(), timeout_s)
        table = await asyncio.to_thread(placement_group_table, pg)
    except BaseException as exc:
        await asyncio.to_thread(remove_placement_group, pg)
        if isinstance(exc, TimeoutError | GetTimeoutError):
            raise CapacityExceeded() from None
        raise
    return pg, table["bundles_to_node_id"][0]


async def free_slot(pg: Any) -> None:
    await asyncio.to_thread(remove_placement_group, pg)


async def release_slot(session_id: str) -> None:
    """The session's slot back to Ray (nothing when it has none)."""
    try:
        pg = await asyncio.to_thread(ray.util.get_placement_group, names.placement_name(session_id))
        await asyncio.to_thread(remove_placement_group, pg)
    except ValueError:  # none of that name: released already (the end and a terminate both release)
        return
