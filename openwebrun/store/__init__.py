"""Persistence: SQLAlchemy 2 async, repositories returning domain models, Alembic migrations."""
from openwebrun.store.db import Database
from openwebrun.store.migrate import upgrade
from openwebrun.store.repositories import Store

__all__ = ["Database", "Store", "upgrade"]
