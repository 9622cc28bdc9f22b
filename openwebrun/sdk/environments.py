"""`client.environments` and `client.profiles` (the same objects under WebRun's two names), sync and async.

`/profiles` lacks the per-environment file routes, so `files` and `delete_file` always use
`/environments`.
"""
from __future__ import annotations

import builtins
from typing import Any, Protocol

from openwebrun.sdk import calls
from openwebrun.sdk.calls import EnvironmentKind, FileSource
from openwebrun.sdk.models import DownloadLink, Environment, EnvironmentFile
from openwebrun.sdk.transport import Call


class Sender(Protocol):
    def send(self, call: Call) -> Any: ...


class Environments:
    def __init__(self, client: Sender, kind: EnvironmentKind = "environments"):
        self._client, self._kind = client, kind

    def list(self) -> builtins.list[Environment]:
        """The account's environments, newest first."""
        return self._client.send(calls.list_environments(self._kind))

    def create(self, name: str | None = None, description: str | None = None) -> Environment:
        """An empty environment; a session started with `environment_id=env.id` saves its browser state into it."""
        return self._client.send(calls.create_environment(self._kind, name, description))

    def delete(self, env_id: str) -> None:
        """Delete it with its state and files (ConflictError ENVIRONMENT_IN_USE while a session uses it)."""
        self._client.send(calls.delete_environment(self._kind, env_id))

    def upload(self, env_id: str, archive: FileSource) -> Environment:
        """Replace its state with a .tar.gz archive (a path, or a (name, bytes) tuple)."""
        return self._client.send(calls.upload_environment(self._kind, env_id, archive))

    def download_link(self, env_id: str) -> DownloadLink:
        """A signed link to its archive (fetched without a key until it expires)."""
        return self._client.send(calls.environment_link(self._kind, env_id))

    def download(self, env_id: str) -> bytes:
        """Its archive (.tar.gz bytes), through a fresh signed link."""
        link = self.download_link(env_id)
        return self._client.send(calls.download(link.download_url))

    def files(self, env_id: str) -> builtins.list[EnvironmentFile]:
        """The files kept with it (uploaded with its id, or downloaded in its sessions)."""
        return self._client.send(calls.environment_files(env_id))

    def delete_file(self, env_id: str, file_id: str) -> None:
        self._client.send(calls.delete_environment_file(env_id, file_id))


class AsyncSender(Protocol):
    async def send(self, call: Call) -> Any: ...


class AsyncEnvironments:
    """`AsyncClient.environments` / `.profiles`: the methods of Environments as coroutines."""

    def __init__(self, client: AsyncSender, kind: EnvironmentKind = "environments"):
        self._client, self._kind = client, kind

    async def list(self) -> builtins.list[Environment]:
        return await self._client.send(calls.list_environments(self._kind))

    async def create(self, name: str | None = None, description: str | None = None) -> Environment:
        return await self._client.send(calls.create_environment(self._kind, name, description))

    async def delete(self, env_id: str) -> None:
        await self._client.send(calls.delete_environment(self._kind, env_id))

    async def upload(self, env_id: str, archive: FileSource) -> Environment:
        return await self._client.send(calls.upload_environment(self._kind, env_id, archive))

    async def download_link(self, env_id: str) -> DownloadLink:
        return await self._client.send(calls.environment_link(self._kind, env_id))

    async def download(self, env_id: str) -> bytes:
        link = await self.download_link(env_id)
        return await self._client.send(calls.download(link.download_url))

    async def files(self, env_id: str) -> builtins.list[EnvironmentFile]:
        return await self._client.send(calls.environment_files(env_id))

    async def delete_file(self, env_id: str, file_id: str) -> None:
        await self._client.send(calls.delete_environment_file(env_id, file_id))
