"""Alembic environment.

openwebrun.store.migrate hands in an open connection (config.attributes["connection"]).
Run by hand, the URL comes from ``-x url=...`` or OPENWEBRUN_DATABASE_URL and an async engine is used.
"""
from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from openwebrun.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )


def run_with_connection(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    from openwebrun.store.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(run_with_connection)
            await connection.commit()
    finally:
        await db.close()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("OPENWEBRUN_DATABASE_URL")
    if not url:
        raise SystemExit("give the database URL with -x url=... or OPENWEBRUN_DATABASE_URL")
    return url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    run_with_connection(shared)
else:
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_standalone(_url()))
