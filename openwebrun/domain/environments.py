"""Environments (also called profiles): a named browser state plus files, and their limits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from openwebrun.domain.errors import Kind, Refused
from openwebrun.domain.models import utcnow

MAX_ENVIRONMENTS = 20  # per account
MAX_NAME = 100
MAX_DESCRIPTION = 500
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024


class EnvironmentStatus(str, Enum):
    EMPTY = "empty"  # no browser state yet: a session starts clean
    UPLOADING = "uploading"  # an archive is being read in
    READY = "ready"  # holds a browser state


@dataclass
class Environment:
    id: str
    account_id: str
    name: str
    description: str = ""
    status: EnvironmentStatus = EnvironmentStatus.EMPTY
    state_sha256: str | None = None  # the browser state (state.json) in the blob store
    blob_size: int = 0  # bytes of the browser state and the files together
    blob_uploaded_at: datetime | None = None
    last_used_at: datetime | None = None
    usage_count: int = 0
    session_id: str | None = None  # the live session using it (one at a time)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


def check_name(name: str | None, noun: str) -> str:
    """The trimmed name; 400 when it is missing or too long (`noun` is Environment or Profile)."""
    name = (name or "").strip()
    if not name:
        raise Refused("VALIDATION_ERROR", f"{noun} name is required")
    if len(name) > MAX_NAME:
        raise Refused("VALIDATION_ERROR", f"name: at most {MAX_NAME} characters (got {len(name)})")
    return name


def check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Refused("VALIDATION_ERROR", f"description: at most {MAX_DESCRIPTION} characters (got {len(description)})")
    return description


def not_found(noun: str) -> Refused:
    return Refused("ENVIRONMENT_NOT_FOUND", f"{noun} not found", Kind.NOT_FOUND)


def in_use(noun: str, session_id: str) -> Refused:
    return Refused("ENVIRONMENT_IN_USE",
                   f"{noun} is in use by live session {session_id}: one session at a time may use an environment. "
                   "Terminate that session first (its browser state is saved when it ends).", Kind.CONFLICT)
