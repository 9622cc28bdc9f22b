"""The content-addressed blob store on a real directory."""
from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest

from openwebrun.store.blobs import BlobStore, BlobTooLarge


@pytest.fixture
def blobs(tmp_path) -> BlobStore:
    store = BlobStore(tmp_path / "files")
    store.prepare()
    return store


def _all_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_write_is_addressed_by_sha256(blobs):
    data = os.urandom(3 * 1024 * 1024 + 7)  # more than one chunk
    sha, size = blobs.write(io.BytesIO(data))
    assert sha == hashlib.sha256(data).hexdigest() and size == len(data)
    path = blobs.path(sha)
    assert path == blobs.root / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0  # read-only
    assert list(blobs.tmp.iterdir()) == []


def test_same_content_is_kept_once(blobs):
    first = blobs.write(io.BytesIO(b"same bytes"))
    second = blobs.write(io.BytesIO(b"same bytes"))
    assert first == second
    assert _all_files(blobs.root) == [f"{first[0][:2]}/{first[0][2:4]}/{first[0]}"]


def test_too_large_leaves_nothing(blobs):
    with pytest.raises(BlobTooLarge):
        blobs.write(io.BytesIO(b"x" * 101), limit=100)
    assert _all_files(blobs.root) == []
    sha, size = blobs.write(io.BytesIO(b"x" * 100), limit=100)
    assert size == 100 and blobs.exists(sha)


def test_failing_source_leaves_nothing(blobs):
    class Broken:
        """Gives one chunk, then fails like a lost disk."""

        calls = 0

        def read(self, _size: int) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise OSError("disk gone")
            return b"half"

    with pytest.raises(OSError, match="disk gone"):
        blobs.write(Broken())
    assert _all_files(blobs.root) == []


def test_take_moves_a_file_in(blobs, tmp_path):
    download = tmp_path / "downloads" / "report.csv"
    download.parent.mkdir()
    download.write_bytes(b"a,b\n1,2\n")
    sha, size = blobs.take(download)
    assert not download.exists()
    assert blobs.path(sha).read_bytes() == b"a,b\n1,2\n" and size == 8
    again = tmp_path / "downloads" / "report-1.csv"
    again.write_bytes(b"a,b\n1,2\n")
    assert blobs.take(again) == (sha, size) and not again.exists()
    assert list(blobs.tmp.iterdir()) == []


def test_place_gives_the_blob_a_name(blobs, tmp_path):
    sha, _ = blobs.write(io.BytesIO(b"hello"))
    target = blobs.place(sha, tmp_path / "attachments" / "s" / "t" / "notes.txt")
    assert target.name == "notes.txt" and target.read_bytes() == b"hello"
    target.unlink()
    assert blobs.path(sha).read_bytes() == b"hello"  # removing the name keeps the blob
    with pytest.raises(FileNotFoundError):
        blobs.place(hashlib.sha256(b"never stored").hexdigest(), tmp_path / "x" / "y.txt")


def test_prepare_drops_leftover_temp_files(blobs):
    (blobs.tmp / "crashed-upload").write_bytes(b"partial")
    blobs.prepare()
    assert list(blobs.tmp.iterdir()) == []


def test_path_refuses_what_is_not_a_hash(blobs):
    for bad in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError):
            blobs.path(bad)
