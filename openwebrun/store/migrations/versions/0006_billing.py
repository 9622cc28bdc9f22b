"""Billing: each account's balance (or none: unlimited) and session limit, usage per account and day,
and the scopes of each API key (keys made before keep every right: admin).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("balance_micros", sa.BigInteger(), nullable=True))  # USD x 1e6; NULL: unlimited
        batch.add_column(sa.Column("session_limit", sa.Integer(), nullable=True))  # NULL: the server's limit
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scopes", sa.String(100), nullable=False, server_default="admin"))
    op.create_table(
        "usage_daily",
        sa.Column("account_id", ID, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),  # YYYY-MM-DD, UTC
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("compute_seconds", sa.Float(), nullable=False),
        sa.Column("proxied_bytes", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("usage_daily")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scopes")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("session_limit")
        batch.drop_column("balance_micros")
