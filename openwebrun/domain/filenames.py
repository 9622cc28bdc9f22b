"""File names that come from outside (uploads, downloads): made safe, and made unique in a set."""
from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

MAX_NAME_BYTES = 200  # below every filesystem's 255, leaves room for a "-N" suffix
FALLBACK_NAME = "file"

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def safe_filename(name: str | None) -> str:
    """The last path component of `name`, without control or shell-hostile characters, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if not name:
        return FALLBACK_NAME
    return _bounded(name)


def _bounded(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    path = PurePosixPath(name)
    suffix = path.suffix if len(path.suffix.encode("utf-8")) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip() or FALLBACK_NAME) + suffix


def unique_names(names: list[str]) -> list[str]:
    """`names` in order, a clash (case-insensitive) renamed "stem-2.ext", "stem-3.ext", ..."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            path = PurePosixPath(name)
            candidate = f"{path.stem}-{n}{path.suffix}" if path.stem else f"{name}-{n}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result
