"""Stored files as records: whose they are, their name, size, content hash and where they came from."""
from __future__ import annotations

from sqlalchemy import delete, select

from openwebrun.domain.models import StoredFile
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import FileRow


def file_from_row(row: FileRow) -> StoredFile:
    return StoredFile(id=row.id, account_id=row.account_id, original_name=row.original_name, size=row.size,
                      sha256=row.sha256, content_type=row.content_type, source=row.source, task_id=row.task_id,
                      created_at=row.created_at, environment_id=row.environment_id)


class FileRepository(Repository):
    async def add(self, file: StoredFile) -> None:
        async with self._transaction() as s:
            s.add(FileRow(id=file.id, account_id=file.account_id, task_id=file.task_id,
                          original_name=file.original_name, size=file.size, sha256=file.sha256,
                          content_type=file.content_type, source=file.source, created_at=file.created_at,
                          environment_id=file.environment_id))

    async def get(self, file_id: str) -> StoredFile | None:
        """The file with this id, whoever owns it; the caller checks the owner."""
        async with self._transaction() as s:
            row = await s.get(FileRow, file_id)
            return file_from_row(row) if row else None

    async def of_account(self, account_id: str, limit: int = 500) -> list[StoredFile]:
        """The account's uploads and agent downloads (not environment files), newest first."""
        query = (select(FileRow).where(FileRow.account_id == account_id, FileRow.environment_id.is_(None))
                 .order_by(FileRow.created_at.desc(), FileRow.id).limit(limit))
        async with self._transaction() as s:
            return [file_from_row(r) for r in await s.scalars(query)]

    async def delete(self, file_id: str, account_id: str) -> bool:
        """Forget the account's upload or download (not an environment's file); its content stays in the
        blob store, which is shared by content. False when there is no such file of the account."""
        async with self._transaction() as s:
            result = await s.execute(delete(FileRow).where(FileRow.id == file_id, FileRow.account_id == account_id,
                                                           FileRow.environment_id.is_(None)))
            return rows_changed(result) > 0
