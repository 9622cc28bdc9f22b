"""Automation policies and their audit trail; the bytes a task carried through its session's proxy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(64)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("proxy_bytes", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "policies",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policies"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_policies_account_id_accounts",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_policies_account_id", "policies", ["account_id"])
    op.create_table(
        "policy_audit",
        sa.Column("id", ID, nullable=False),
        sa.Column("policy_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("task_id", ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("human_response", sa.String(16), nullable=True),
        sa.Column("layer", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_audit"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_policy_audit_account_id_accounts",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_policy_audit_account_id", "policy_audit", ["account_id"])
    op.create_index("ix_policy_audit_session_id", "policy_audit", ["session_id"])
    op.create_index("ix_policy_audit_policy_id_at", "policy_audit", ["policy_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_policy_audit_policy_id_at", table_name="policy_audit")
    op.drop_index("ix_policy_audit_session_id", table_name="policy_audit")
    op.drop_index("ix_policy_audit_account_id", table_name="policy_audit")
    op.drop_table("policy_audit")
    op.drop_index("ix_policies_account_id", table_name="policies")
    op.drop_table("policies")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("proxy_bytes")
