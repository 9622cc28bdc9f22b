"""Reading tables directly, bypassing the repositories."""
from __future__ import annotations

from openwebrun.store.db import Database


async def raw_rows(db: Database, table: str) -> list[dict]:
    """Rows exactly as the database holds them, bypassing the repositories."""
    async with db.engine.connect() as conn:
        result = await conn.exec_driver_sql(f"SELECT * FROM {table}")
        return [dict(r._mapping) for r in result]
