"""Revisions of the one migration chain, oldest first (0001, 0002, ...)."""
