"""Cluster mode: sessions on worker machines joined by Ray, state in PostgreSQL, events over Redis.

Imported only when OPENWEBRUN_RAY_ADDRESS is set; the default single process never loads Ray.
"""
