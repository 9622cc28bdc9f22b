"""The environment archive: a .tar.gz that holds a browser state and the environment's files.

Layout (documented in docs/environments.md so that anyone can build one):

    profile.json    optional: {"format": "openwebrun-profile", "version": 1}
    state.json      required: {"cookies": [...], "origins": [{"origin", "localStorage",
                    "sessionStorage", "indexedDB"}]} (Playwright's storage state, plus sessionStorage)
    files/NAME      optional: the environment's files, one level, by name

Reading checks everything before anything is kept: gzip, tar, only regular files and the `files`
folder, no path leaving the root, no links or devices, bounded sizes and counts, a well-formed
state. A refusal names what is wrong. Calls do blocking I/O: run them in a worker thread.
"""
from __future__ import annotations

import gzip
import json
import posixpath
import tarfile
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO, Any, BinaryIO

from openwebrun.domain.filenames import safe_filename

FORMAT = "openwebrun-profile"
VERSION = 1
STATE = "state.json"
MANIFEST = "profile.json"
FILES = "files"
MAX_MEMBERS = 10_000
MAX_STATE_BYTES = 100 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SAME_SITE = {"Strict", "Lax", "None"}


class BadArchive(Exception):
    """The archive cannot be used; the message says why."""


@dataclass
class ArchiveContents:
    state: dict[str, Any]
    files: list[tuple[str, Path]] = field(default_factory=list)  # (name, extracted copy)


def empty_state() -> dict[str, Any]:
    return {"cookies": [], "origins": []}


def _member_name(raw: str) -> str:
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise BadArchive(f"entry {raw!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadArchive(f"entry {raw!r} points outside the archive root")
    return "/".join(parts)


def read_archive(source: BinaryIO, extract_to: Path, *, max_bytes: int) -> ArchiveContents:
    """The state and files of the archive `source` (read from its start); files are written under `extract_to`."""
    source.seek(0)
    if source.read(2) != GZIP_MAGIC:
        raise BadArchive("the file is not gzip-compressed: send a .tar.gz archive")
    source.seek(0)
    try:
        with tarfile.open(fileobj=source, mode="r:gz") as tar:
            return _read_members(tar, extract_to, max_bytes)
    except BadArchive:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise BadArchive(f"the file is not a readable .tar.gz archive ({exc})") from None


def _read_members(tar: tarfile.TarFile, extract_to: Path, max_bytes: int) -> ArchiveContents:
    state: dict[str, Any] | None = None
    files: list[tuple[str, Path]] = []
    names: set[str] = set()
    total = 0
    for count, member in enumerate(tar, start=1):
        if count > MAX_MEMBERS:
            raise BadArchive(f"more than {MAX_MEMBERS} entries")
        name = _member_name(member.name)
        if member.isdir():
            if name not in ("", FILES):
                raise BadArchive(f"unexpected folder {member.name!r}: only `{FILES}/` may be a folder")
            continue
        if not member.isreg():
            raise BadArchive(f"entry {member.name!r} is a link or a special file: only regular files are allowed")
        total += member.size
        if total > max_bytes:
            raise BadArchive(f"the archive unpacks to more than {max_bytes} bytes")
        if name in names:
            raise BadArchive(f"entry {member.name!r} appears twice")
        names.add(name)
        stream = tar.extractfile(member)
        assert stream is not None  # a regular file
        if name == STATE:
            if member.size > MAX_STATE_BYTES:
                raise BadArchive(f"{STATE} is larger than {MAX_STATE_BYTES} bytes")
            state = parse_state(stream.read())
        elif name == MANIFEST:
            _check_manifest(stream.read())
        elif posixpath.dirname(name) == FILES and posixpath.basename(name):
            target = extract_to / f"{len(files):05d}"
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                _copy(stream, out)
            files.append((safe_filename(posixpath.basename(name)), target))
        else:
            raise BadArchive(f"unexpected entry {member.name!r}: the archive holds {STATE}, {MANIFEST} and {FILES}/NAME")
    if state is None:
        raise BadArchive(f"the archive has no {STATE} at its root")
    return ArchiveContents(state, files)


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    while chunk := source.read(1 << 20):
        target.write(chunk)


def _check_manifest(raw: bytes) -> None:
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BadArchive(f"{MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadArchive(f"{MANIFEST} must say \"format\": \"{FORMAT}\"")
    if manifest.get("version") != VERSION:
        raise BadArchive(f"{MANIFEST}: version {manifest.get('version')!r} is not supported (this server reads {VERSION})")


def parse_state(raw: bytes) -> dict[str, Any]:
    """A checked browser state from state.json's bytes; BadArchive names the first problem."""
    try:
        state = json.loads(raw)
    except ValueError as exc:
        raise BadArchive(f"{STATE} is not valid JSON ({exc})") from None
    if not isinstance(state, dict):
        raise BadArchive(f"{STATE} must be a JSON object with `cookies` and `origins`")
    cookies, origins = state.get("cookies", []), state.get("origins", [])
    if not isinstance(cookies, list) or not isinstance(origins, list):
        raise BadArchive(f"{STATE}: `cookies` and `origins` must be lists")
    for i, cookie in enumerate(cookies):
        _check_cookie(cookie, f"cookies[{i}]")
    for i, origin in enumerate(origins):
        _check_origin(origin, f"origins[{i}]")
    return {"cookies": cookies, "origins": origins}


def _check_cookie(cookie: Any, where: str) -> None:
    if not isinstance(cookie, dict):
        raise BadArchive(f"{STATE}: {where} must be an object")
    for key in ("name", "value", "domain", "path"):
        if not isinstance(cookie.get(key), str):
            raise BadArchive(f"{STATE}: {where}.{key} must be a string")
    if not isinstance(cookie.get("expires", -1), int | float) or isinstance(cookie.get("expires"), bool):
        raise BadArchive(f"{STATE}: {where}.expires must be a number (Unix seconds, -1 for a session cookie)")
    for key in ("httpOnly", "secure"):
        if not isinstance(cookie.get(key, False), bool):
            raise BadArchive(f"{STATE}: {where}.{key} must be true or false")
    if cookie.get("sameSite", "Lax") not in SAME_SITE:
        raise BadArchive(f"{STATE}: {where}.sameSite must be one of Strict, Lax, None")


def _check_origin(origin: Any, where: str) -> None:
    if not isinstance(origin, dict) or not isinstance(origin.get("origin"), str) \
            or not origin["origin"].startswith(("http://", "https://")):
        raise BadArchive(f"{STATE}: {where}.origin must be an http(s) origin such as https://example.com")
    for key in ("localStorage", "sessionStorage"):
        items = origin.get(key, [])
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str) for i in items):
            raise BadArchive(f"{STATE}: {where}.{key} must be a list of {{\"name\", \"value\"}} strings")
    if not isinstance(origin.get("indexedDB", []), list):
        raise BadArchive(f"{STATE}: {where}.indexedDB must be a list of databases")


def write_archive(target: IO[bytes], state: dict[str, Any], files: Iterable[tuple[str, Path]]) -> None:
    """Write the archive of `state` and `files` ((name in the archive, path to its content)) to `target`."""
    now = int(time.time())
    with tarfile.open(fileobj=target, mode="w:gz") as tar:
        for name, data in ((MANIFEST, {"format": FORMAT, "version": VERSION}), (STATE, state)):
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(raw), now, 0o644
            tar.addfile(info, BytesIO(raw))
        folder = tarfile.TarInfo(FILES)
        folder.type, folder.mtime, folder.mode = tarfile.DIRTYPE, now, 0o755
        tar.addfile(folder)
        for name, path in files:
            info = tarfile.TarInfo(f"{FILES}/{name}")
            info.size, info.mtime, info.mode = path.stat().st_size, now, 0o644
            with open(path, "rb") as content:
                tar.addfile(info, content)
