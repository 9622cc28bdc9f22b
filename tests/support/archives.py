"""Environment archives made by hand for tests: good ones and ones the server must refuse."""
from __future__ import annotations

import io
import tarfile


def archive(members: dict[str, bytes], *, kinds: dict[str, bytes] | None = None) -> bytes:
    """A .tar.gz of regular files (and, in `kinds`, members of another tar type such as a symlink)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, kind in (kinds or {}).items():
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return out.getvalue()
