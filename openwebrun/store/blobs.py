"""File contents on local disk, content-addressed: ROOT/ab/cd/<sha256>.

A blob is written to ROOT/tmp first and renamed into place once complete, so a crash or an error
never leaves a partial blob under its hash. Blobs are read-only; the same content is kept once.
Calls do blocking disk I/O: run them in a worker thread.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
BLOB_MODE = 0o400
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobTooLarge(Exception):
    """The content went past the byte limit it was written with; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def prepare(self) -> None:
        """Create the directories; drop temp files a crash left behind."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        for leftover in self.tmp.iterdir():
            leftover.unlink(missing_ok=True)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def write(self, source: BinaryIO, limit: int | None = None) -> tuple[str, int]:
        """Copy `source` (read to its end) in: (sha256, size). BlobTooLarge past `limit` bytes."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp)
        tmp = Path(name)
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise BlobTooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(tmp, digest.hexdigest()), size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def take(self, path: Path) -> tuple[str, int]:
        """Move a finished file (e.g. a download) in: (sha256, size). `path` is gone afterwards."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / secrets.token_hex(16)
        try:
            os.replace(path, tmp)  # atomic on one filesystem; the source can no longer change
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with open(path, "rb") as source:
                found = self.write(source)
            Path(path).unlink(missing_ok=True)
            return found
        try:
            digest, size = hashlib.sha256(), 0
            with open(tmp, "rb") as source:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    digest.update(chunk)
            return self._commit(tmp, digest.hexdigest()), size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def place(self, sha256: str, target: Path) -> Path:
        """Make the blob appear at `target` (a hard link, else a copy) for something that wants a named file."""
        blob = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(blob, target)
        except OSError:
            shutil.copyfile(blob, target)
        return target

    def _commit(self, tmp: Path, sha256: str) -> str:
        final = self.path(sha256)
        if final.is_file():  # the same content is stored already
            tmp.unlink(missing_ok=True)
            return sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, BLOB_MODE)
        os.replace(tmp, final)
        return sha256
