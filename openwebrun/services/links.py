"""Signed download links: a file URL anyone may fetch until it expires (HMAC-SHA256 with a server key).

The key is OPENWEBRUN_SIGNING_KEY, else a random key made once in the data directory (mode 0600).
Expiry times are rounded up to a tenth of the lifetime, so the same file has the same link for a
while (a poll and a socket message agree) and each link lives between `ttl` and 1.1 x `ttl`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import time
from pathlib import Path

from openwebrun.domain.errors import Kind, Refused

KEY_FILE = "signing.key"


def load_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or the one kept in the data directory (created on first use)."""
    if configured:
        return configured.encode()
    path = data_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:
            raise RuntimeError(f"{path} is empty: delete it to make a new signing key") from None
        return key.encode()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key.encode()


class Links:
    """The URLs the API hands out: its base, and signed links to stored files."""

    def __init__(self, base_url: str, key: bytes, ttl_s: int):
        self.base_url = base_url
        self._key = key
        self.ttl_s = ttl_s
        self._step = max(1, ttl_s // 10)

    def _signature(self, file_id: str, expires: int) -> str:
        return hmac.new(self._key, f"{file_id}.{expires}".encode(), hashlib.sha256).hexdigest()

    def expiry(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return math.ceil((now + self.ttl_s) / self._step) * self._step

    def download(self, file_id: str, now: float | None = None) -> str:
        expires = self.expiry(now)
        return f"{self.base_url}/files/{file_id}?expires={expires}&signature={self._signature(file_id, expires)}"

    def signed(self, path: str, subject: str, expires: int | None = None) -> str:
        """A signed URL of `path` (under the base URL) for `subject`, checked with `check(subject, ...)`."""
        expires = self.expiry() if expires is None else expires
        return f"{self.base_url}{path}?expires={expires}&signature={self._signature(subject, expires)}"

    def check(self, file_id: str, expires: int | None, signature: str | None, now: float | None = None) -> None:
        """Nothing for a valid, unexpired link; 403 BAD_SIGNATURE or LINK_EXPIRED otherwise."""
        if expires is None or not signature \
                or not hmac.compare_digest(self._signature(file_id, expires).encode(), signature.lower().encode()):
            raise Refused("BAD_SIGNATURE", "The download link is not valid: its signature does not match.",
                          Kind.FORBIDDEN)
        if (time.time() if now is None else now) >= expires:
            raise Refused("LINK_EXPIRED", "The download link has expired: poll the task again for a fresh link, "
                                          "or fetch the file with the API key.", Kind.FORBIDDEN)

    # --- the live view ---------------------------------------------------------------
    def view_token(self, session_id: str) -> str:
        """The session's view token: 128 bits derived from the server key, so nothing is stored."""
        digest = hmac.new(self._key, f"view:{session_id}".encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def view_ok(self, session_id: str, token: str) -> bool:
        return hmac.compare_digest(self.view_token(session_id).encode(), token.encode())

    def streaming(self, session_id: str) -> dict[str, str]:
        """webViewURL (the player page) and webRTCURL (its WHEP endpoint)."""
        view = f"{self.base_url}/stream/{session_id}/{self.view_token(session_id)}"
        return {"webViewURL": view, "webRTCURL": f"{view}/whep"}
