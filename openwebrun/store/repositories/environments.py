"""Environments as records; the one-session-at-a-time claim is a conditional UPDATE (atomic)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from openwebrun.domain.environments import Environment, EnvironmentStatus
from openwebrun.domain.models import StoredFile, utcnow
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.repositories.files import file_from_row
from openwebrun.store.tables import EnvironmentRow, FileRow


def environment_from_row(row: EnvironmentRow) -> Environment:
    return Environment(id=row.id, account_id=row.account_id, name=row.name, description=row.description,
                       status=EnvironmentStatus(row.status), state_sha256=row.state_sha256, blob_size=row.blob_size,
                       blob_uploaded_at=row.blob_uploaded_at, last_used_at=row.last_used_at,
                       usage_count=row.usage_count, session_id=row.session_id, created_at=row.created_at,
                       updated_at=row.updated_at)


class EnvironmentRepository(Repository):
    async def add_within_limit(self, env: Environment, limit: int) -> bool:
        """Add `env` unless its account already has `limit` environments (False then)."""
        async with self._transaction() as s:
            count = await s.scalar(select(func.count()).select_from(EnvironmentRow)
                                   .where(EnvironmentRow.account_id == env.account_id))
            if (count or 0) >= limit:
                return False
            s.add(EnvironmentRow(id=env.id, account_id=env.account_id, name=env.name, description=env.description,
                                 status=env.status.value, state_sha256=env.state_sha256, blob_size=env.blob_size,
                                 blob_uploaded_at=env.blob_uploaded_at, last_used_at=env.last_used_at,
                                 usage_count=env.usage_count, session_id=env.session_id, created_at=env.created_at,
                                 updated_at=env.updated_at))
            return True

    async def get(self, env_id: str) -> Environment | None:
        async with self._transaction() as s:
            row = await s.get(EnvironmentRow, env_id)
            return environment_from_row(row) if row else None

    async def of_account(self, account_id: str) -> list[Environment]:
        """The account's environments, newest first."""
        async with self._transaction() as s:
            rows = await s.scalars(select(EnvironmentRow).where(EnvironmentRow.account_id == account_id)
                                   .order_by(EnvironmentRow.created_at.desc(), EnvironmentRow.id))
            return [environment_from_row(r) for r in rows]

    async def delete_unclaimed(self, env_id: str) -> bool:
        """Delete it (its files' records go with it) unless a session or an upload holds it."""
        async with self._transaction() as s:
            result = await s.execute(delete(EnvironmentRow).where(
                EnvironmentRow.id == env_id, EnvironmentRow.session_id.is_(None),
                EnvironmentRow.status != EnvironmentStatus.UPLOADING.value))
            if rows_changed(result):
                await s.execute(delete(FileRow).where(FileRow.environment_id == env_id))
            return rows_changed(result) > 0

    async def claim_for_session(self, env_id: str, session_id: str) -> bool:
        """Mark it used by `session_id` unless another session or an upload holds it."""
        now = utcnow()
        async with self._transaction() as s:
            result = await s.execute(update(EnvironmentRow).where(
                EnvironmentRow.id == env_id, EnvironmentRow.session_id.is_(None),
                EnvironmentRow.status != EnvironmentStatus.UPLOADING.value,
            ).values(session_id=session_id, last_used_at=now, usage_count=EnvironmentRow.usage_count + 1))
            return rows_changed(result) > 0

    async def release_session(self, env_id: str, session_id: str) -> None:
        async with self._transaction() as s:
            await s.execute(update(EnvironmentRow).where(EnvironmentRow.id == env_id,
                                                         EnvironmentRow.session_id == session_id)
                            .values(session_id=None))

    async def release_all_sessions(self) -> int:
        """At start: sessions of an earlier run are gone, and so are their claims and unfinished uploads."""
        async with self._transaction() as s:
            count = rows_changed(await s.execute(update(EnvironmentRow).where(EnvironmentRow.session_id.is_not(None))
                                                 .values(session_id=None)))
            uploading = EnvironmentRow.status == EnvironmentStatus.UPLOADING.value
            await s.execute(update(EnvironmentRow).where(uploading, EnvironmentRow.state_sha256.is_(None))
                            .values(status=EnvironmentStatus.EMPTY.value))
            await s.execute(update(EnvironmentRow).where(uploading).values(status=EnvironmentStatus.READY.value))
            return count

    async def claim_for_upload(self, env_id: str) -> EnvironmentStatus | None:
        """Set the status `uploading` unless a session or another upload holds it; the status it had, or None."""
        async with self._transaction() as s:
            row = await s.get(EnvironmentRow, env_id)
            if row is None or row.session_id is not None or row.status == EnvironmentStatus.UPLOADING.value:
                return None
            before = EnvironmentStatus(row.status)
            result = await s.execute(update(EnvironmentRow).where(  # changes nothing if another claim came first
                EnvironmentRow.id == env_id, EnvironmentRow.session_id.is_(None),
                EnvironmentRow.status == before.value).values(status=EnvironmentStatus.UPLOADING.value))
            return before if rows_changed(result) else None

    async def set_status(self, env_id: str, status: EnvironmentStatus) -> None:
        async with self._transaction() as s:
            await s.execute(update(EnvironmentRow).where(EnvironmentRow.id == env_id).values(status=status.value))

    async def replace_contents(self, env_id: str, state_sha256: str, state_size: int, files: list[StoredFile],
                               *, uploaded_at: datetime | None) -> None:
        """A new browser state and, as one change, a new set of files; status `ready`."""
        now = utcnow()
        async with self._transaction() as s:
            await s.execute(delete(FileRow).where(FileRow.environment_id == env_id))
            for file in files:
                s.add(FileRow(id=file.id, account_id=file.account_id, task_id=None, original_name=file.original_name,
                              size=file.size, sha256=file.sha256, content_type=file.content_type, source=None,
                              created_at=file.created_at, environment_id=env_id))
            values = {"status": EnvironmentStatus.READY.value, "state_sha256": state_sha256, "updated_at": now,
                      "blob_size": state_size + sum(f.size for f in files)}
            if uploaded_at is not None:
                values["blob_uploaded_at"] = uploaded_at
            await s.execute(update(EnvironmentRow).where(EnvironmentRow.id == env_id).values(**values))

    async def save_state(self, env_id: str, state_sha256: str, state_size: int) -> None:
        """The browser state a session left; the files stay as they are."""
        async with self._transaction() as s:
            files_size = await s.scalar(select(func.coalesce(func.sum(FileRow.size), 0))
                                        .where(FileRow.environment_id == env_id))
            await s.execute(update(EnvironmentRow).where(EnvironmentRow.id == env_id).values(
                status=EnvironmentStatus.READY.value, state_sha256=state_sha256, updated_at=utcnow(),
                blob_size=state_size + int(files_size or 0)))

    async def grow(self, env_id: str, size: int) -> None:
        async with self._transaction() as s:
            await s.execute(update(EnvironmentRow).where(EnvironmentRow.id == env_id).values(
                blob_size=EnvironmentRow.blob_size + size, updated_at=utcnow()))

    async def files(self, env_id: str) -> list[StoredFile]:
        async with self._transaction() as s:
            rows = await s.scalars(select(FileRow).where(FileRow.environment_id == env_id)
                                   .order_by(FileRow.created_at, FileRow.id))
            return [file_from_row(r) for r in rows]

    async def delete_file(self, env_id: str, file_id: str) -> bool:
        async with self._transaction() as s:
            row = await s.get(FileRow, file_id)
            if row is None or row.environment_id != env_id:
                return False
            await s.delete(row)
            env = await s.get(EnvironmentRow, env_id)
            if env is not None:
                env.blob_size, env.updated_at = max(env.blob_size - row.size, 0), utcnow()
            return True
