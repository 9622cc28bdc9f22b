"""Cluster mode: the session host that holds each live session (was a Redis hash: now a Redis outage
costs live events only, never the way to a session).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_hosts",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_hosts")
