"""Environments (profiles): a browser state and files kept across sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2024-07-15
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "environments",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state_sha256", sa.String(64), nullable=True),
        sa.Column("blob_size", sa.BigInteger(), nullable=False),
        sa.Column("blob_uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("session_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_environments"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_environments_account_id_accounts",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_environments_account_id_created_at", "environments", ["account_id", "created_at"])
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("environment_id", ID, nullable=True))
        batch.create_foreign_key("fk_files_environment_id_environments", "environments", ["environment_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index("ix_files_environment_id", ["environment_id"])


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_index("ix_files_environment_id")
        batch.drop_constraint("fk_files_environment_id_environments", type_="foreignkey")
        batch.drop_column("environment_id")
    op.drop_index("ix_environments_account_id_created_at", table_name="environments")
    op.drop_table("environments")
