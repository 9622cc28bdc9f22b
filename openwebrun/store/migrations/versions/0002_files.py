"""Stored files: uploads and the downloads of tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-15
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_files_account_id_accounts",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_files_task_id_tasks", ondelete="SET NULL"),
    )
    op.create_index("ix_files_account_id", "files", ["account_id"])
    op.create_index("ix_files_task_id", "files", ["task_id"])
    op.create_index("ix_files_sha256", "files", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_files_sha256", table_name="files")
    op.drop_index("ix_files_task_id", table_name="files")
    op.drop_index("ix_files_account_id", table_name="files")
    op.drop_table("files")
