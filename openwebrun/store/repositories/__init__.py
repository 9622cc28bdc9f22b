"""Repositories: each method is one short transaction; they take and return domain models."""
from __future__ import annotations

from openwebrun.store.db import Database
from openwebrun.store.repositories.accounts import AccountRepository
from openwebrun.store.repositories.environments import EnvironmentRepository
from openwebrun.store.repositories.files import FileRepository
from openwebrun.store.repositories.keys import AmbiguousKeyPrefix, ApiKeyRepository
from openwebrun.store.repositories.policies import PolicyRepository
from openwebrun.store.repositories.session_hosts import SessionHostRepository
from openwebrun.store.repositories.sessions import SessionRepository
from openwebrun.store.repositories.steps import StepRepository
from openwebrun.store.repositories.tasks import TaskNotFound, TaskRepository
from openwebrun.store.repositories.usage import UsageRepository
from openwebrun.store.repositories.webhooks import WebhookRepository


class Store:
    """All repositories over one database."""

    def __init__(self, db: Database):
        self.db = db
        self.accounts = AccountRepository(db)
        self.keys = ApiKeyRepository(db)
        self.sessions = SessionRepository(db)
        self.session_hosts = SessionHostRepository(db)
        self.tasks = TaskRepository(db)
        self.steps = StepRepository(db)
        self.files = FileRepository(db)
        self.webhooks = WebhookRepository(db)
        self.usage = UsageRepository(db)
        self.environments = EnvironmentRepository(db)
        self.policies = PolicyRepository(db)


__all__ = [
    "AccountRepository", "AmbiguousKeyPrefix", "ApiKeyRepository", "EnvironmentRepository", "FileRepository",
    "PolicyRepository", "SessionHostRepository", "SessionRepository", "StepRepository", "Store", "TaskNotFound",
    "TaskRepository", "UsageRepository", "WebhookRepository",
]
