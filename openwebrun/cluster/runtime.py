"""The runtime of a stateless API process in cluster mode: the same door and queries as
SessionRuntime, routed to the session host that holds each session.

Ray places a new session: a placement group of one `browser_slot` lands on a worker with a free slot
(none free: NO_AVAILABLE_INSTANCES at once), and the session opens in that worker's host. Which
host holds a session is kept in the store (PostgreSQL), so every API process (and one that restarted)
finds it, Redis or not.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar

import ray
from ray.exceptions import RayActorError, RayTaskError

from openwebrun.browser.reach import Reach
from openwebrun.cluster import names
from openwebrun.cluster.lost import LostWorkers
from openwebrun.cluster.placement import free_slot, reserve_slot
from openwebrun.cluster.relay import connect
from openwebrun.domain import commands as cmd
from openwebrun.domain.events import EventsLost, SessionClosed
from openwebrun.domain.models import Task
from openwebrun.domain.policies import Policy
from openwebrun.domain.proxies import ProxyChoice
from openwebrun.runtime import webrtc
from openwebrun.runtime.errors import CapacityExceeded
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.live_session import ProfileBinding
from openwebrun.runtime.sessions import SessionInfo, session_not_found
from openwebrun.settings import Settings
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
CALL_TIMEOUT_S = 30.0  # a query or command to a host (a task wait adds its own window)
HEALTH_TIMEOUT_S = 2.0
REMEMBERED_SESSIONS = 50_000
FRAME_TIMEOUT_S = 10.0
WHEP_TIMEOUT_S = webrtc.NEGOTIATE_S + 5.0  # the worker's answer, ICE gathering included


class HostLost(Exception):
    """The host of a session is gone (its worker died); the watcher ends its sessions."""


class ClusterRuntime:
    def __init__(self, settings: Settings, store: Store, hub: EventHub):
        self.settings = settings
        self.cluster = settings.cluster_name
        self.reach = Reach(allow_private=settings.allow_private_networks(default=False))
        self.store = store
        self.redis = connect(settings.redis_url or "")  # announces the endings of lost workers' sessions
        self.lost = LostWorkers(self, store, self.redis, interval_s=settings.worker_watch_interval_s)
        self._hosts: dict[str, Any] = {}  # actor name -> handle
        self._session_hosts: OrderedDict[str, str] = OrderedDict()  # session id -> actor name, oldest first
        self._owners: dict[str, str] = {}  # live session -> its account, until its SessionClosed arrives
        self._closed = hub.subscribe(maxsize=10_000)
        self._forgetting: asyncio.Task | None = None

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        if not ray.is_initialized():
            await asyncio.to_thread(ray.init, address=self.settings.ray_address, namespace=self.cluster,
                                    log_to_driver=False, logging_level=logging.WARNING,
                                    _node_ip_address=self.settings.ray_node_ip)
        self.lost.start()
        self._forgetting = asyncio.create_task(self._forget_closed(), name="forget-closed-sessions")

    async def close(self) -> None:
        """Sessions live on in the workers: an API process that stops takes none of them along."""
        await self.lost.close()
        self._closed.close()
        if self._forgetting is not None:
            await asyncio.gather(self._forgetting, return_exceptions=True)
        await self.redis.aclose()

    async def _forget_closed(self) -> None:
        """What is remembered of a session goes when its end is announced (all of it, if events were lost)."""
        async for event in self._closed:
            if isinstance(event, SessionClosed):
                self._owners.pop(event.session_id, None)
                self._session_hosts.pop(event.session_id, None)
            elif isinstance(event, EventsLost):
                self._owners.clear()

    # --- finding hosts -----------------------------------------------------------
    async def host(self, name: str) -> Any:
        handle = self._hosts.get(name)
        if handle is None:
            try:
                handle = await asyncio.to_thread(ray.get_actor, name, self.cluster)
            except ValueError:
                raise HostLost(name) from None
            self._hosts[name] = handle
        return handle

    def forget(self, name: str) -> None:
        self._hosts.pop(name, None)

    async def host_of(self, session_id: str) -> Any | None:
        """The host actor of a live session (a session never moves: its host is remembered)."""
        name = self._session_hosts.get(session_id)
        if name is None:
            name = await self.store.session_hosts.host_of(session_id)
            if name is None:
                return None
            self._session_hosts[session_id] = name
            if len(self._session_hosts) > REMEMBERED_SESSIONS:
                self._session_hosts.popitem(last=False)
        try:
            return await self.host(name)
        except HostLost:
            self._session_hosts.pop(session_id, None)
            return None

    async def workers(self) -> list[dict[str, Any]]:
        """Alive Ray nodes that offer browser slots, with their host actor's name."""
        nodes = await asyncio.to_thread(ray.nodes)
        return [{"node_id": n["NodeID"], "address": n["NodeManagerAddress"], "name": names.host_name(n["NodeID"]),
                 "slots": int(n["Resources"].get(names.SLOT, 0))}
                for n in nodes if n.get("Alive") and n.get("Resources", {}).get(names.SLOT, 0) > 0]

    async def _call(self, call: Awaitable[T], timeout_s: float = CALL_TIMEOUT_S) -> T:
        """A host's answer; its own exceptions (Refused, CapacityExceeded...) come back as they were."""
        try:
            return await asyncio.wait_for(call, timeout_s)
        except RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, Exception):
                raise cause from None
            raise
        except RayActorError as exc:
            raise HostLost(str(exc)) from None

    async def _session_call(self, session_id: str, method: str, *args: Any, default: Any = None,
                            timeout_s: float = CALL_TIMEOUT_S) -> Any:
        host = await self.host_of(session_id)
        if host is None:
            return default
        try:
            return await self._call(getattr(host, method).remote(session_id, *args), timeout_s)
        except HostLost:
            self._session_hosts.pop(session_id, None)
            return default

    # --- sessions ----------------------------------------------------------------
    async def open_session(self, session_id: str, account_id: str, expires_in_ms: int,
                           profile: ProfileBinding | None = None, proxy: ProxyChoice | None = None,
                           policy: Policy | None = None) -> None:
        """Ray reserves a browser slot on some worker; that worker's host opens the session."""
        pg, node_id = await reserve_slot(session_id, self.settings.placement_timeout_s, self.store.session_hosts.count)
        try:
            host = await self.host(names.host_name(node_id))
            environment = (profile.environment_id, profile.state) if profile is not None else None
            await self._call(host.open_session.remote(session_id, account_id, expires_in_ms, environment, proxy, policy))
        except BaseException as exc:
            await free_slot(pg)
            if isinstance(exc, HostLost):  # the worker went away under the start: no instance for it
                raise CapacityExceeded() from None
            raise

    async def close_session(self, session_id: str, reason: str, stop: Any = None) -> bool:
        return bool(await self._session_call(session_id, "close_session", reason, default=False))

    async def url_refusal(self, url: str) -> str | None:
        return await self.reach.url_refusal(url)

    async def owner(self, session_id: str) -> str | None:
        """The account of a live session: asked once, then known until the session's end is announced
        (a command to a session that ended meanwhile is refused by its host)."""
        owner = self._owners.get(session_id)
        if owner is None:
            info = await self.info(session_id)
            if info is None:
                return None
            owner = self._owners[session_id] = info.account_id
        return owner

    async def info(self, session_id: str) -> SessionInfo | None:
        return await self._session_call(session_id, "info")

    async def ending(self, session_id: str) -> bool:
        return await self._session_call(session_id, "ending", default=True)

    async def touch(self, session_id: str) -> bool:
        return await self._session_call(session_id, "touch", default=False)

    async def sessions(self) -> list[SessionInfo]:
        every: list[SessionInfo] = []
        for worker in await self.workers():
            try:
                host = await self.host(worker["name"])
                every.extend(await self._call(host.sessions.remote(), HEALTH_TIMEOUT_S))
            except (HostLost, TimeoutError):
                continue
        return every

    async def health(self) -> dict[str, Any]:
        """Every alive worker with its free slots; the live-view figures summed over them."""
        workers, counts = [], {"screencasts": 0, "viewers": 0, "whepViewers": 0, "encoders": 0}
        for worker in await self.workers():
            try:
                host = await self.host(worker["name"])
                health = await self._call(host.health.remote(), HEALTH_TIMEOUT_S)
            except (HostLost, TimeoutError):
                continue
            workers.append({"id": health["id"], "address": health["address"], "slots": health["slots"],
                            "freeSlots": health["free"]})
            for key in counts:
                counts[key] += health["liveView"].get(key, 0)
        return {"free": sum(w["freeSlots"] for w in workers), "liveView": counts, "workers": workers}

    # --- the door ----------------------------------------------------------------
    async def command(self, session_id: str, command: cmd.Command) -> cmd.CommandOutcome:
        host = await self.host_of(session_id)
        if host is None:
            raise session_not_found()
        try:
            return await self._call(host.command.remote(session_id, command))
        except HostLost:
            raise session_not_found() from None

    async def task(self, task_id: str, session_id: str | None = None) -> Task | None:
        if session_id is None:
            return None
        host = await self.host_of(session_id)
        if host is None:
            return None
        try:
            return await self._call(host.task.remote(task_id))
        except HostLost:
            return None

    async def wait(self, task_id: str, timeout_s: float, session_id: str | None = None) -> None:
        host = await self.host_of(session_id) if session_id else None
        if host is None:
            return
        try:
            await self._call(host.wait.remote(task_id, timeout_s), timeout_s + CALL_TIMEOUT_S)
        except HostLost:
            return

    # --- the live view: JPEG frames relayed; WHEP answered by the worker ----------
    def jpeg_frames(self, session_id: str) -> AsyncGenerator[bytes, None]:
        return self._frames(session_id, parts=False)

    def jpeg_parts(self, session_id: str) -> AsyncGenerator[bytes, None]:
        return self._frames(session_id, parts=True)

    async def _frames(self, session_id: str, parts: bool) -> AsyncGenerator[bytes, None]:
        """The session's frames from its worker, as a Ray streaming generator; closing this stops the
        worker's watching. Ray holds at most a few frames ahead of a slow reader."""
        host = await self.host_of(session_id)
        if host is None:
            raise session_not_found()
        frames = host.jpeg_frames.options(num_returns="streaming", _generator_backpressure_num_objects=2) \
            .remote(session_id, parts)
        try:
            async for ref in frames:
                yield await self._call(ref, FRAME_TIMEOUT_S)
        except HostLost:
            return
        finally:
            ray.cancel(frames)

    async def whep_offer(self, session_id: str, offer_sdp: str) -> tuple[str, str]:
        """The WHEP peer runs on the session's worker: only the offer and the answer pass through here."""
        host = await self.host_of(session_id)
        if host is None:
            raise session_not_found()
        try:
            return await self._call(host.whep_offer.remote(session_id, offer_sdp), WHEP_TIMEOUT_S)
        except HostLost:
            raise session_not_found() from None

    async def whep_end(self, session_id: str, resource: str) -> bool:
        return bool(await self._session_call(session_id, "whep_end", resource, default=False))
