"""The Alembic chain: empty database to head, and tables.py agreeing with the migration."""
from __future__ import annotations

from importlib import resources

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from openwebrun.store import migrate
from openwebrun.store.db import Database
from openwebrun.store.tables import Base

TABLES = {"accounts", "api_keys", "sessions", "tasks", "task_steps", "files", "environments", "usage_daily",
          "policies", "policy_audit"}


async def _table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_empty_to_head(empty_db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # must not depend on the working directory
    assert await migrate.current_revision(empty_db_url) is None
    await migrate.upgrade(empty_db_url)
    assert await migrate.current_revision(empty_db_url) == migrate.head_revision() == "0007"
    assert await migrate.is_up_to_date(empty_db_url)
    db = Database(empty_db_url)
    try:
        assert TABLES <= await _table_names(db)
    finally:
        await db.close()


async def test_upgrade_twice_is_a_no_op(db):
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_tables_match_migration(db):
    def diff(conn):
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_comparison_notices_drift(db):
    """The check above would see a column that tables.py has and the migration lacks."""
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["tasks"].append_column(Column("extra", Integer, nullable=True))

    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), drifted)

    async with db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert [(c[0], c[2], c[3].name) for c in changes] == [("add_column", "tasks", "extra")]


async def test_downgrade_to_base_and_back(db):
    await migrate.downgrade(db, "base")
    assert await migrate.current_revision(db) is None
    assert not TABLES & await _table_names(db)
    await migrate.upgrade(db)
    assert TABLES <= await _table_names(db)


def test_alembic_files_ship_with_the_package():
    store_pkg = resources.files("openwebrun.store")
    assert store_pkg.joinpath("alembic.ini").is_file()
    assert store_pkg.joinpath("migrations", "script.py.mako").is_file()
    assert store_pkg.joinpath("migrations", "env.py").is_file()


async def test_sqlite_connection_settings(tmp_path):
    path = tmp_path / "new" / "dir" / "x.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 1000
        assert path.parent.is_dir()
    finally:
        await db.close()


async def test_sqlite_migration_leaves_foreign_keys_on(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}")
    try:
        await migrate.upgrade(db)
        async with db.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await db.close()
