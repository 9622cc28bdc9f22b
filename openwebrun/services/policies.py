"""Automation policies: create, read, replace, delete (per account), the templates, attaching a
policy to a session, and reading the audit trail."""
from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from openwebrun.domain.errors import Refused
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account
from openwebrun.domain.policies import AuditEntry, Policy, PolicyInvalid, build_policy
from openwebrun.domain.policy_templates import TEMPLATES
from openwebrun.store.repositories import Store

MAX_POLICIES = 1000  # per account


class PolicyService:
    def __init__(self, store: Store):
        self.store = store

    async def create(self, account: Account, document: dict[str, Any]) -> Policy:
        policy = _built(document, new_id(), account.id)
        if len(await self.store.policies.all_of(account.id)) >= MAX_POLICIES:
            raise Refused("POLICY_LIMIT", f"An account holds at most {MAX_POLICIES} policies; delete one first.")
        await self.store.policies.add(policy)
        return policy

    @staticmethod
    def check(account: Account, document: dict[str, Any]) -> None:
        """INVALID_POLICY naming the rule, exactly as create would refuse it; nothing is stored."""
        _built(document, new_id(), account.id)

    async def all_of(self, account: Account) -> list[Policy]:
        return await self.store.policies.all_of(account.id)

    async def get(self, account: Account, policy_id: str) -> Policy:
        """The caller's own policy, else 404 (someone else's is not revealed)."""
        policy = await self.store.policies.get(policy_id) if policy_id else None
        if policy is None or policy.account_id != account.id:
            raise Refused("POLICY_NOT_FOUND", f"Policy {policy_id!r} not found.")
        return policy

    async def replace(self, account: Account, policy_id: str, document: dict[str, Any]) -> Policy:
        old = await self.get(account, policy_id)
        policy = _built(document, old.id, account.id, old.created_at)
        if not await self.store.policies.replace(policy):
            raise Refused("POLICY_NOT_FOUND", f"Policy {policy_id!r} not found.")
        return policy

    async def delete(self, account: Account, policy_id: str) -> None:
        await self.get(account, policy_id)
        await self.store.policies.delete(policy_id)

    async def for_session(self, account: Account, policy_id: str) -> Policy:
        """The policy a session is started with: the caller's own and active (a draft cannot be attached)."""
        policy = await self.get(account, policy_id)
        if policy.status != "active":
            raise Refused("POLICY_NOT_ACTIVE", f"Policy {policy_id!r} is a draft: set its status to active "
                                               "before attaching it to a session.")
        return policy

    async def audit(self, account: Account, policy_id: str | None = None, *, session_id: str | None = None,
                    since: datetime | None = None, until: datetime | None = None) -> list[AuditEntry]:
        """The account's policy decisions, of one policy or all (deleted policies' entries stay)."""
        return await self.store.policies.audit_trail(account.id, policy_id=policy_id, session_id=session_id,
                                                     since=since, until=until)

    @staticmethod
    def templates() -> dict[str, dict[str, Any]]:
        return copy.deepcopy(TEMPLATES)


def _built(document: dict[str, Any], policy_id: str, account_id: str, created_at: datetime | None = None) -> Policy:
    try:
        return build_policy(document, policy_id=policy_id, account_id=account_id, created_at=created_at)
    except PolicyInvalid as exc:
        raise Refused("INVALID_POLICY", f"Invalid policy: {exc}") from None
