"""Schema migrations, run in code: ``await upgrade(url)`` brings a database to the newest revision.

The Alembic Config is built here with script_location inside the package, so this works from an
installed package and from any working directory.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from openwebrun.store.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6F7772  # PostgreSQL advisory lock key held while migrating


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration chain is empty"
    return head


async def upgrade(target: str | Database, revision: str = "head") -> None:
    """Migrate the database at ``target`` (a URL or an open Database) up to ``revision``."""
    await _with_connection(target, lambda conn: command.upgrade(alembic_config(conn), revision), write=True)


async def downgrade(target: str | Database, revision: str) -> None:
    await _with_connection(target, lambda conn: command.downgrade(alembic_config(conn), revision), write=True)


async def current_revision(target: str | Database) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    return await _with_connection(
        target, lambda conn: MigrationContext.configure(conn).get_current_revision(), write=False)


async def is_up_to_date(target: str | Database) -> bool:
    return await current_revision(target) == head_revision()


async def _with_connection(target: str | Database, work, *, write: bool):
    db = Database(target) if isinstance(target, str) else target
    try:
        async with db.engine.connect() as conn:
            if write and db.is_sqlite:
                # SQLite rebuilds tables to alter them; with foreign keys on, dropping the old
                # table would cascade into its children. Off for the migration, back on after.
                await conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            elif write:  # several processes of a cluster may start at once: one migrates, the others wait
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            try:
                result = await conn.run_sync(work)
                await conn.commit()
            finally:
                if write and db.is_sqlite:
                    await conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                    await conn.commit()
            return result
    finally:
        if isinstance(target, str):
            await db.close()
