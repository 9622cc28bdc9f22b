"""The session host: one Ray actor per worker machine, holding that machine's Chromium pool and the
sessions Ray placed there. API processes reach it by name (names.host_name) and call the same door
as in one process: `command`, the task wait and the queries.

What follows the sessions' events runs here, next to them, exactly once per event: the store
recorder, billing and the webhook outbox. Every event also goes to Redis for the API processes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any

from openwebrun.assembly import build_followers, build_pool, build_runtime
from openwebrun.cluster import names
from openwebrun.cluster.placement import release_slot
from openwebrun.cluster.relay import EventPublisher, connect
from openwebrun.domain import commands as cmd
from openwebrun.domain.events import SessionClosed
from openwebrun.domain.models import Task
from openwebrun.domain.policies import Policy
from openwebrun.domain.proxies import ProxyChoice
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.live_session import ProfileBinding
from openwebrun.runtime.sessions import SessionInfo, SessionRuntime
from openwebrun.services.environments import EnvironmentService
from openwebrun.services.files import FileService
from openwebrun.services.links import Links, load_key
from openwebrun.settings import Settings
from openwebrun.store.blobs import BlobStore
from openwebrun.store.db import Database
from openwebrun.store.migrate import upgrade
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)


class SessionHost:
    """Lives in a Ray worker process on its machine; every method is called through Ray."""

    def __init__(self, settings: Settings, slots: int, node_id: str, address: str):
        self.settings = settings
        self.name = names.host_name(node_id)  # the actor's name, by which API processes reach it
        self.slots = slots
        self.node_id = node_id
        self.address = address
        self.runtime: SessionRuntime | None = None

    async def start(self) -> dict[str, Any]:
        """Open the database, start Chromium and the followers; returns what the worker announces."""
        settings = self.settings
        await upgrade(settings.database_url)
        self.db = Database(settings.database_url)
        store = Store(self.db)
        self.store = store
        files = FileService(store, BlobStore(settings.data_dir / "files"),
                            attachments_root=settings.data_dir / "attachments",
                            max_upload_bytes=settings.max_upload_bytes)
        self.environments = EnvironmentService(store, files.blobs, max_archive_bytes=settings.max_profile_bytes)
        links = Links(settings.base_url, load_key(settings.signing_key, settings.data_dir), settings.download_link_ttl_s)
        self.hub = EventHub()
        self.pool = build_pool(settings, self.slots)
        await self.pool.start()
        self.runtime = build_runtime(settings, self.pool, self.hub, self.slots)
        self.followers = build_followers(settings, store, files, self.runtime, self.hub, links)
        self.redis = connect(settings.redis_url or "")
        self.publisher = EventPublisher(self.hub, self.redis, names.events_channel(settings.cluster_name))
        self.publisher.start()
        self._closed_sessions = self.hub.subscribe(maxsize=None)
        self._releaser = asyncio.create_task(self._release_slots(), name="release-slots")
        await self.followers.start()
        await self.runtime.start()
        return self.describe()

    def describe(self) -> dict[str, Any]:
        return {"id": self.node_id, "address": self.address, "slots": self.slots}

    async def stop(self) -> None:
        """Close every session (their tasks fail, their ends are recorded), then the rest."""
        if self.runtime is not None:
            await self.runtime.close()
        self._closed_sessions.close()
        await asyncio.gather(self._releaser, return_exceptions=True)
        await self.followers.close()
        await self.publisher.close()
        await self.pool.close()
        await self.redis.aclose()
        await self.db.close()

    async def _release_slots(self) -> None:
        """A session that ended here: no longer found here, and its browser slot is Ray's again."""
        async for event in self._closed_sessions:
            if not isinstance(event, SessionClosed):
                continue
            await self._release(event.session_id)

    async def _release(self, session_id: str) -> None:
        try:
            await self.store.session_hosts.forget(session_id)
        except Exception:
            log.exception("session %s: still listed as held here", session_id)
        try:
            await release_slot(session_id)
        except Exception:
            log.exception("session %s: its slot was not released", session_id)

    # --- sessions ----------------------------------------------------------------
    async def open_session(self, session_id: str, account_id: str, expires_in_ms: int,
                           environment: tuple[str, dict[str, Any] | None] | None, proxy: ProxyChoice | None,
                           policy: Policy | None) -> None:
        profile = None
        if environment is not None:  # claimed by the API process; saved back from here at the end
            env_id, state = environment
            profile = ProfileBinding(state=state, save=self.environments.saver(env_id, session_id))
        await self._runtime.open_session(session_id, account_id, expires_in_ms, profile=profile, proxy=proxy,
                                         policy=policy)
        try:
            await self.store.session_hosts.place(session_id, self.name)  # how every API process finds it
        except BaseException:
            await self._runtime.close_session(session_id, "start_failed")
            raise

    async def close_session(self, session_id: str, reason: str) -> bool:
        closed = await self._runtime.close_session(session_id, reason)
        await self.followers.recorder.caught_up()
        if closed:
            await self._release(session_id)  # the slot is Ray's again before the caller hears back
        return closed

    async def command(self, session_id: str, command: cmd.Command) -> cmd.CommandOutcome:
        outcome = await self._runtime.command(session_id, command)
        if isinstance(command, cmd.Terminate | cmd.Stop):
            await self.followers.recorder.caught_up()  # the ending is stored before the caller hears back
        if isinstance(command, cmd.Terminate):
            await self._release(session_id)  # the slot is Ray's again before the caller hears back
        return outcome

    async def wait(self, task_id: str, timeout_s: float) -> None:
        await self._runtime.wait(task_id, timeout_s)
        await self.followers.recorder.caught_up()

    async def task(self, task_id: str) -> Task | None:
        """The live task; None once it ended, and then its end is in the store."""
        task = await self._runtime.task(task_id)
        if task is None:
            await self.followers.recorder.caught_up()
        return task

    async def info(self, session_id: str) -> SessionInfo | None:
        return await self._runtime.info(session_id)

    async def ending(self, session_id: str) -> bool:
        return await self._runtime.ending(session_id)

    async def touch(self, session_id: str) -> bool:
        return await self._runtime.touch(session_id)

    async def sessions(self) -> list[SessionInfo]:
        return await self._runtime.sessions()

    async def health(self) -> dict[str, Any]:
        return {**self.describe(), **await self._runtime.health()}

    async def jpeg_frames(self, session_id: str, parts: bool) -> AsyncGenerator[bytes, None]:
        """The live view's JPEG frames (or parts: SessionRuntime.jpeg_parts), streamed through Ray
        to the API process a viewer is on."""
        made = self._runtime.jpeg_parts(session_id) if parts else self._runtime.jpeg_frames(session_id)
        async with contextlib.aclosing(made) as frames:
            async for jpeg in frames:
                yield jpeg

    async def whep_offer(self, session_id: str, offer_sdp: str) -> tuple[str, str]:
        """A WHEP viewer joins here, where the session's browser is: (resource id, answer SDP). The
        API process only relays the offer and the answer; the media flows from this machine."""
        return await self._runtime.whep_offer(session_id, offer_sdp)

    async def whep_end(self, session_id: str, resource: str) -> bool:
        return await self._runtime.whep_end(session_id, resource)

    async def ping(self) -> str:
        return self.node_id

    @property
    def _runtime(self) -> SessionRuntime:
        assert self.runtime is not None, "start() first"
        return self.runtime
