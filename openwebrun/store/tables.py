"""Table rows (SQLAlchemy 2 declarative). Repositories turn them into domain models."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from openwebrun.store.column_types import UTCDateTime, json_type

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    is_admin: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    webhook_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)  # as-is: it signs deliveries
    balance_micros: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # USD x 1e6; None: unlimited
    session_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)


class UsageDailyRow(Base):
    __tablename__ = "usage_daily"

    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    compute_seconds: Mapped[float] = mapped_column(Float)
    proxied_bytes: Mapped[int] = mapped_column(BigInteger)
    cost_micros: Mapped[int] = mapped_column(BigInteger)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the plaintext key
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown to humans to tell keys apart
    name: Mapped[str] = mapped_column(String(255))
    revoked: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    scopes: Mapped[str] = mapped_column(String(100), server_default="admin")  # comma-separated


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    expires_in_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"))
    spec: Mapped[dict[str, Any]] = mapped_column(json_type())  # TaskSpec.public_dict(): never secrets
    status: Mapped[str] = mapped_column(String(16), index=True)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    compute_time: Mapped[float] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float)
    proxy_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    result_message: Mapped[str | None] = mapped_column(Text, nullable=True)  # NULL: no result
    result_data: Mapped[Any] = mapped_column(json_type(), nullable=True)
    result_files: Mapped[list | None] = mapped_column(json_type(), nullable=True)
    result_urls: Mapped[list | None] = mapped_column(json_type(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guardrail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TaskStepRow(Base):
    __tablename__ = "task_steps"

    task_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    thinking: Mapped[str] = mapped_column(Text)
    next_goal: Mapped[str] = mapped_column(Text)
    actions: Mapped[list] = mapped_column(json_type())
    results: Mapped[list] = mapped_column(json_type())
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    screenshot: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FileRow(Base):
    """A stored file of an account; its bytes live in the blob store under `sha256`."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(ID, ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(Text, nullable=True)  # NULL: uploaded; else the download URL
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    environment_id: Mapped[str | None] = mapped_column(ID, ForeignKey("environments.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)  # a file kept in an environment


class EnvironmentRow(Base):
    """An environment (profile): a browser state in the blob store under `state_sha256`, plus files."""

    __tablename__ = "environments"
    __table_args__ = (Index("ix_environments_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    state_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    blob_size: Mapped[int] = mapped_column(BigInteger)
    blob_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    usage_count: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[str | None] = mapped_column(ID, nullable=True)  # the live session holding it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDeliveryRow(Base):
    """The webhook outbox: one row per event to deliver, kept with its attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_at", "status", "next_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    task_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    auth: Mapped[str | None] = mapped_column(Text, nullable=True)  # a credential: sent, never shown
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PolicyRow(Base):
    """An automation policy; its rules are one JSON document (domain.policies.policy_to_dict)."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PolicyAuditRow(Base):
    """One policy decision (allow, block, guardrail) on one attempted action; never changed after."""

    __tablename__ = "policy_audit"
    __table_args__ = (Index("ix_policy_audit_policy_id_at", "policy_id", "at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    policy_id: Mapped[str] = mapped_column(ID)  # kept after the policy is deleted: the trail stays
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(ID, index=True)
    task_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(Text)  # the attempted action, as shown to a person
    rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    human_response: Mapped[str | None] = mapped_column(String(16), nullable=True)  # approved, rejected
    layer: Mapped[str] = mapped_column(String(16))  # agent (before the action) or network (the proxy lane)


class SessionHostRow(Base):
    """Cluster mode: which session host (a worker's Ray actor) holds a live session. Written by that
    host before the API process stores the session, so it has no foreign key; gone when the session ends."""

    __tablename__ = "session_hosts"

    session_id: Mapped[str] = mapped_column(ID, primary_key=True)
    host: Mapped[str] = mapped_column(String(128))
