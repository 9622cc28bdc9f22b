"""Environments (profiles): create, list, delete; archives in and out; the state a session starts from.

An environment is the account's: another account's id is unknown (404) everywhere. One live session
at a time may use an environment (a claim in the database; a second session gets 409), and an
upload is refused (409) while a session or another upload holds it; a delete too, but for a session
that is ending, whose save it waits for (as a start does).
An archive is checked whole before anything changes; its state and files then replace the old ones
in one transaction. `noun` ("Environment" or "Profile") only words the messages of the two route sets.
"""
from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from openwebrun.domain.environments import (
    MAX_ENVIRONMENTS,
    Environment,
    EnvironmentStatus,
    check_description,
    check_name,
    in_use,
    not_found,
)
from openwebrun.domain.errors import Kind, Refused
from openwebrun.domain.filenames import unique_names
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, StoredFile, utcnow
from openwebrun.runtime.live_session import ProfileBinding
from openwebrun.services.files import media_type
from openwebrun.services.profile_archive import BadArchive, empty_state, read_archive, write_archive
from openwebrun.store.blobs import BlobStore
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)
SAVE_WAIT_S = 30.0  # how long a start waits for an ending session to save the environment it holds


class EnvironmentService:
    def __init__(self, store: Store, blobs: BlobStore, *, max_archive_bytes: int):
        self.store = store
        self.blobs = blobs
        self.max_archive_bytes = max_archive_bytes
        self._release_waiters: dict[str, asyncio.Event] = {}

    async def recover(self) -> None:
        """At start: claims and uploads of an earlier run are over."""
        await self.store.environments.release_all_sessions()

    # --- the objects ---------------------------------------------------------------
    async def create(self, account: Account, name: str | None, description: str | None,
                     noun: str = "Environment") -> Environment:
        env = Environment(id=new_id(), account_id=account.id, name=check_name(name, noun),
                          description=check_description(description))
        if not await self.store.environments.add_within_limit(env, MAX_ENVIRONMENTS):
            raise Refused("ENVIRONMENT_LIMIT_REACHED", f"Maximum of {MAX_ENVIRONMENTS} {noun.lower()}s allowed")
        return env

    async def of_account(self, account: Account) -> list[Environment]:
        return await self.store.environments.of_account(account.id)

    async def owned(self, account: Account, env_id: str, noun: str = "Environment") -> Environment:
        env = await self.store.environments.get(env_id) if env_id else None
        if env is None or env.account_id != account.id:
            raise not_found(noun)
        return env

    async def delete(self, account: Account, env_id: str, noun: str = "Environment",
                     ending: Callable[[str], Awaitable[bool]] | None = None) -> None:
        """Held by a session that is `ending` (a run-task whose answer the caller just got), it waits
        for that session's save as a start does; held by a live session, 409."""
        env = await self.owned(account, env_id, noun)
        if not await self.store.environments.delete_unclaimed(env.id):
            holder = env.session_id
            if holder is not None and ending is not None and await ending(holder):
                await self._released(env.id, holder)
            if not await self.store.environments.delete_unclaimed(env.id):
                await self._refuse_busy(env.id, noun)

    async def _refuse_busy(self, env_id: str, noun: str) -> None:
        now = await self.store.environments.get(env_id)
        if now is None:
            raise not_found(noun)
        if now.session_id:
            raise in_use(noun, now.session_id)
        raise Refused("ENVIRONMENT_BUSY", f"An upload to this {noun.lower()} is in progress; try again when it ends.",
                      Kind.CONFLICT)

    # --- files ---------------------------------------------------------------------
    async def files(self, account: Account, env_id: str) -> list[StoredFile]:
        env = await self.owned(account, env_id)
        return await self.store.environments.files(env.id)

    async def files_added(self, env_id: str, size: int) -> None:
        """Files were uploaded into the environment (POST /files/upload with environmentId)."""
        await self.store.environments.grow(env_id, size)

    async def delete_file(self, account: Account, env_id: str, file_id: str) -> None:
        env = await self.owned(account, env_id)
        if not await self.store.environments.delete_file(env.id, file_id):
            raise Refused("FILE_NOT_FOUND", "File not found")

    # --- archives ------------------------------------------------------------------
    async def upload(self, account: Account, env_id: str, archive: BinaryIO, noun: str = "Environment") -> Environment:
        """Replace the state and files with the archive's; 400 (and nothing changed) for a bad archive."""
        env = await self.owned(account, env_id, noun)
        before = await self.store.environments.claim_for_upload(env.id)
        if before is None:
            await self._refuse_busy(env.id, noun)
        assert before is not None
        try:
            state_sha, state_size, files = await asyncio.to_thread(self._take_in, account, env.id, archive)
            await self.store.environments.replace_contents(env.id, state_sha, state_size, files, uploaded_at=utcnow())
        except BaseException:
            await self.store.environments.set_status(env.id, before)
            raise
        return await self.owned(account, env.id, noun)

    def _take_in(self, account: Account, env_id: str, archive: BinaryIO) -> tuple[str, int, list[StoredFile]]:
        self.blobs.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.blobs.tmp) as scratch:
            try:
                contents = read_archive(archive, Path(scratch), max_bytes=self.max_archive_bytes)
            except BadArchive as exc:
                raise Refused("INVALID_ARCHIVE", f"Invalid archive: {exc}. Nothing was changed.") from None
            state_sha, state_size = self._put_state(contents.state)
            files = []
            for name, path in contents.files:
                with open(path, "rb") as content:
                    sha, size = self.blobs.write(content)
                files.append(StoredFile(id=new_id(), account_id=account.id, original_name=name, size=size, sha256=sha,
                                        content_type=media_type(None, name), environment_id=env_id))
        return state_sha, state_size, files

    def _put_state(self, state: dict[str, Any]) -> tuple[str, int]:
        raw = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        return self.blobs.write(BytesIO(raw))

    def _state(self, env: Environment) -> dict[str, Any]:
        if env.state_sha256 is None:
            return empty_state()
        return json.loads(self.blobs.path(env.state_sha256).read_bytes())

    async def check_downloadable(self, account: Account, env_id: str, noun: str = "Profile") -> Environment:
        env = await self.owned(account, env_id, noun)
        if env.status is not EnvironmentStatus.READY or env.state_sha256 is None:
            raise Refused("PROFILE_EMPTY", f"{noun} has no data to download")
        return env

    async def build_archive(self, env_id: str) -> Path:
        """The environment's archive as a temporary file (the caller removes it); 404 when it is gone."""
        env = await self.store.environments.get(env_id)
        if env is None or env.status is not EnvironmentStatus.READY:
            raise not_found("Profile")
        files = await self.store.environments.files(env.id)
        return await asyncio.to_thread(self._write_archive, env, files)

    def _write_archive(self, env: Environment, files: list[StoredFile]) -> Path:
        self.blobs.tmp.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=self.blobs.tmp, suffix=".tar.gz", delete=False)
        try:
            with handle:
                names = unique_names([f.original_name for f in files])
                write_archive(handle, self._state(env), [(n, self.blobs.path(f.sha256)) for n, f in zip(names, files)])
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return Path(handle.name)

    # --- sessions ------------------------------------------------------------------
    async def bind(self, account: Account, env_id: str, session_id: str,
                   ending: Callable[[str], Awaitable[bool]] | None = None) -> ProfileBinding:
        """Claim the environment for `session_id`: the state it starts from and how it is saved at the end.

        Held by a session that is `ending` (e.g. a run-task whose answer the caller just got), it
        waits up to SAVE_WAIT_S for that session's state to be saved, so back-to-back tasks work."""
        env = await self.owned(account, env_id)
        if not await self.store.environments.claim_for_session(env.id, session_id):
            holder = (await self.owned(account, env_id)).session_id
            if holder is not None and ending is not None and await ending(holder):
                await self._released(env.id, holder)
            if not await self.store.environments.claim_for_session(env.id, session_id):
                await self._refuse_busy(env.id, "Environment")
        try:
            env = await self.owned(account, env_id)  # as the claim found it (a session may have saved meanwhile)
            state = await asyncio.to_thread(self._state, env) if env.status is EnvironmentStatus.READY else None
        except BaseException:
            await self.release(env.id, session_id)
            raise

        return ProfileBinding(state=state, save=self.saver(env.id, session_id), environment_id=env.id)

    def saver(self, env_id: str, session_id: str) -> Callable[[dict[str, Any] | None], Awaitable[None]]:
        """How a session's state is saved into its environment as it ends (and the claim released)."""
        async def save(ended: dict[str, Any] | None) -> None:
            try:
                if ended is not None:
                    sha, size = await asyncio.to_thread(self._put_state, ended)
                    await self.store.environments.save_state(env_id, sha, size)
            finally:
                await self.release(env_id, session_id)

        return save

    async def release(self, env_id: str, session_id: str) -> None:
        await self.store.environments.release_session(env_id, session_id)
        waiter = self._release_waiters.pop(env_id, None)
        if waiter is not None:
            waiter.set()

    async def _released(self, env_id: str, holder: str) -> None:
        """Until `holder` released the environment (at most SAVE_WAIT_S)."""
        waiter = self._release_waiters.setdefault(env_id, asyncio.Event())
        now = await self.store.environments.get(env_id)
        if now is None or now.session_id != holder:
            return
        try:
            await asyncio.wait_for(waiter.wait(), SAVE_WAIT_S)
        except TimeoutError:
            log.warning("environment %s: session %s did not save its state within %s s", env_id, holder, SAVE_WAIT_S)


def remove_quietly(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
