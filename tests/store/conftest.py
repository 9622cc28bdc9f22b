"""Every store test runs on SQLite (a fresh file) and on PostgreSQL (a clean schema).

PostgreSQL runs when OPENWEBRUN_TEST_POSTGRES_URL is set, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test ; its public schema is dropped and recreated per test.
Under pytest-xdist each worker has a database of its own (test_gw0, test_gw1, ...), made on first use.
"""
from __future__ import annotations

import os

import pytest

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, Session
from openwebrun.store.db import Database
from openwebrun.store.migrate import upgrade
from openwebrun.store.repositories import Store

PG_ENV = "OPENWEBRUN_TEST_POSTGRES_URL"


async def worker_database(url: str) -> str:
    """`url`, or under pytest-xdist the URL of this worker's own database (created when missing)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = await conn.exec_driver_sql(f"SELECT 1 FROM pg_database WHERE datname = '{own}'")
            if exists.first() is None:
                await conn.exec_driver_sql(f'CREATE DATABASE "{own}"')
    finally:
        await db.close()
    return f"{base}/{own}"


async def reset_postgres(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db_url(request, tmp_path) -> str:
    """URL of an empty database (not migrated)."""
    if request.param == "sqlite":
        # The parent directory does not exist yet: Database must create it.
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'store.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL backend: set {PG_ENV}=postgresql+asyncpg://user@host:port/db to run")
    url = await worker_database(url)
    await reset_postgres(url)
    return url


@pytest.fixture
async def db(empty_db_url):
    database = Database(empty_db_url)
    await upgrade(database)
    yield database
    await database.close()


@pytest.fixture
def store(db) -> Store:
    return Store(db)


@pytest.fixture
async def account(store) -> Account:
    return await store.accounts.create("tester")


@pytest.fixture
async def session(store, account) -> Session:
    s = Session(id=new_id(), account_id=account.id)
    await store.sessions.add(s)
    return s
