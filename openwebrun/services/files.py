"""Files: uploads, the attachments of a task, the downloads a task made, reading a file back.

Contents go to the content-addressed blob store, records to `store.files`. A file belongs to one
account: another account's file id is treated as unknown everywhere.
"""
from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from openwebrun.domain.errors import Kind, Refused
from openwebrun.domain.filenames import safe_filename, unique_names
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, StoredFile, Task
from openwebrun.store.blobs import BlobStore, BlobTooLarge
from openwebrun.store.repositories import Store

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;[ -~]*)?")


@dataclass
class Upload:
    """One file part of an upload request; `stream` is at its start and holds the whole content."""

    name: str | None
    content_type: str | None
    stream: BinaryIO


def too_large(limit: int) -> Refused:
    return Refused("FILE_TOO_LARGE", f"The upload is larger than the limit of {limit} bytes (all files together).")


def media_type(declared: str | None, name: str) -> str:
    """The declared type when it is a well-formed specific one, else a guess from the name."""
    declared = (declared or "").strip()
    if declared and len(declared) <= 255 and _MEDIA_TYPE.fullmatch(declared) \
            and not declared.lower().startswith(OCTET_STREAM):
        return declared
    return mimetypes.guess_type(name, strict=False)[0] or OCTET_STREAM


def _size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


class FileService:
    def __init__(self, store: Store, blobs: BlobStore, *, attachments_root: Path, max_upload_bytes: int):
        self.store = store
        self.blobs = blobs
        self.attachments_root = Path(attachments_root)
        self.max_upload_bytes = max_upload_bytes

    def prepare(self) -> None:
        """At start: blob directories ready; attachment links of an earlier run removed."""
        self.blobs.prepare()
        shutil.rmtree(self.attachments_root, ignore_errors=True)

    # --- uploads -------------------------------------------------------------------
    async def upload(self, account: Account, uploads: list[Upload], environment_id: str | None = None) -> list[StoredFile]:
        """Store every file of one request, or none (413 when they are too large together); with
        `environment_id` (checked by the caller) they are kept in that environment."""
        if not uploads:
            raise Refused("VALIDATION_ERROR",
                          "No file in the request: send multipart/form-data with one or more `file` or `files` parts.")
        sizes = [await asyncio.to_thread(_size, u.stream) for u in uploads]
        if sum(sizes) > self.max_upload_bytes:
            raise too_large(self.max_upload_bytes)
        stored = []
        for upload, size in zip(uploads, sizes):
            try:
                sha256, size = await asyncio.to_thread(self.blobs.write, upload.stream, size)
            except BlobTooLarge:  # grew since it was measured
                raise too_large(self.max_upload_bytes) from None
            name = safe_filename(upload.name)
            stored.append(StoredFile(id=new_id(), account_id=account.id, original_name=name, size=size,
                                     sha256=sha256, content_type=media_type(upload.content_type, name),
                                     environment_id=environment_id))
        for file in stored:
            await self.store.files.add(file)
        return stored

    # --- reading back ------------------------------------------------------------------
    async def owned(self, account: Account, file_id: str) -> tuple[StoredFile, Path]:
        """The caller's own file and where its content is; 404 for unknown or someone else's."""
        return await self.stored(file_id, account)

    async def stored(self, file_id: str, account: Account | None = None) -> tuple[StoredFile, Path]:
        """A file (of `account`, when given) and where its content is; 404 when there is none."""
        file = await self.store.files.get(file_id)
        if file is None or (account is not None and file.account_id != account.id):
            raise Refused("FILE_NOT_FOUND", "File not found.")
        path = self.blobs.path(file.sha256)
        if not path.is_file():
            log.error("file %s: its content %s is missing from the blob store", file.id, file.sha256)
            raise Refused("FILE_NOT_FOUND", "File not found: its content is no longer stored.")
        return file, path

    async def delete(self, account: Account, file_id: str) -> None:
        """The caller's own upload or download is forgotten; 404 for unknown, someone else's or an
        environment's file. Tasks already holding it keep their attached copy until their session ends."""
        if not await self.store.files.delete(file_id, account.id):
            raise Refused("FILE_NOT_FOUND", "File not found.")

    # --- attachments -------------------------------------------------------------------
    async def resolve(self, account: Account, file_ids: list[str]) -> list[StoredFile]:
        """The caller's files for these ids (each once, in order); 400 FILE_NOT_FOUND names the others."""
        found, unknown = [], []
        for file_id in dict.fromkeys(file_ids):
            file = await self.store.files.get(file_id)
            if file is None or file.account_id != account.id or not self.blobs.exists(file.sha256):
                unknown.append(file_id)
            else:
                found.append(file)
        if unknown:
            raise Refused("FILE_NOT_FOUND", f"Unknown file id(s): {', '.join(unknown)}. Upload files with POST /files/upload "
                           "first; a file id works only with the API key of its account.", Kind.INVALID)
        return found

    async def attach(self, account: Account, session_id: str, task_id: str, file_ids: list[str]) -> dict[str, Path]:
        """The task's files as named files for the agent: {original name (clashes get -2, -3): path}.

        They stay until the session closes (a page may read a chosen file later).
        """
        if not file_ids:
            return {}
        files = await self.resolve(account, file_ids)
        folder = self.attachments_root / session_id / task_id
        attached = {}
        for name, file in zip(unique_names([f.original_name for f in files]), files):
            attached[name] = await asyncio.to_thread(self.blobs.place, file.sha256, folder / name)
        return attached

    async def release_session(self, session_id: str) -> None:
        """Remove the attachment links of a closed session."""
        folder = self.attachments_root / session_id
        if folder.exists():
            await asyncio.to_thread(shutil.rmtree, folder, True)

    # --- downloads ---------------------------------------------------------------------
    async def keep_downloads(self, task: Task) -> None:
        """Make each file the task downloaded a stored file of the task's account (sets its file_id)."""
        for download in task.result.files if task.result else []:
            if download.file_id:
                continue
            try:
                sha256, size = await asyncio.to_thread(self.blobs.take, Path(download.path))
            except OSError as exc:
                log.warning("task %s: could not keep download %s: %s", task.id, download.path, exc)
                continue
            name = safe_filename(download.filename)
            file = StoredFile(id=new_id(), account_id=task.account_id, original_name=name, size=size,
                              sha256=sha256, content_type=media_type(None, name), source=download.source,
                              task_id=task.id)
            await self.store.files.add(file)
            download.file_id = file.id
            download.path = str(self.blobs.path(sha256))
