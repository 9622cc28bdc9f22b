"""Alembic migration environment of openwebrun.store."""
