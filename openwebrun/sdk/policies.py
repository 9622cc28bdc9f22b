"""`client.policies`: automation policies (docs/policies.md), sync and async.

Fields are keyword arguments by their Python names (`llm_role=`, `domain_rules=`, `action_rules=`,
`default_action=`) or wire names; rules may be dicts or the models (`ActionRule`, `DomainRules`).
"""
from __future__ import annotations

import builtins
from typing import Any

from openwebrun.sdk import calls
from openwebrun.sdk.environments import AsyncSender, Sender
from openwebrun.sdk.models import AuditEntry, Policy

PolicyTemplates = dict[str, dict[str, Any]]


def _merged(current: Policy, changes: dict[str, Any]) -> dict[str, Any]:
    return {**current.document(), **calls.policy_document(changes)}


class Policies:
    def __init__(self, client: Sender):
        self._client = client

    def list(self) -> builtins.list[Policy]:
        return self._client.send(calls.list_policies())

    def create(self, name: str | None = None, **fields: Any) -> Policy:
        """A new policy; `create(**template)` or `create(name, action_rules=[...])`."""
        return self._client.send(calls.create_policy(calls.policy_document({"name": name, **fields})))

    def get(self, policy_id: str) -> Policy:
        return self._client.send(calls.get_policy(policy_id))

    def replace(self, policy_id: str, name: str | None = None, **fields: Any) -> Policy:
        """PUT: the whole policy is replaced (fields not given take their defaults). Running sessions keep theirs."""
        return self._client.send(calls.replace_policy(policy_id, calls.policy_document({"name": name, **fields})))

    def update(self, policy_id: str, **changes: Any) -> Policy:
        """Change some fields and keep the rest: reads the policy, then replaces it with the changes applied."""
        return self._client.send(calls.replace_policy(policy_id, _merged(self.get(policy_id), changes)))

    def delete(self, policy_id: str) -> None:
        """Delete it; its audit trail stays readable."""
        self._client.send(calls.delete_policy(policy_id))

    def templates(self) -> PolicyTemplates:
        """WebRun's templates by name, as policy documents: `policies.create(**templates["research_only"])`."""
        return self._client.send(calls.policy_templates())

    def audit(self, policy_id: str | None = None, *, session_id: str | None = None, since: str | None = None,
              until: str | None = None) -> builtins.list[AuditEntry]:
        """The policy's decisions (all the account's policies' without an id), oldest first; times are ISO 8601."""
        return self._client.send(calls.policy_audit(policy_id, session_id, since, until))


class AsyncPolicies:
    """`AsyncClient.policies`: the methods of Policies as coroutines."""

    def __init__(self, client: AsyncSender):
        self._client = client

    async def list(self) -> builtins.list[Policy]:
        return await self._client.send(calls.list_policies())

    async def create(self, name: str | None = None, **fields: Any) -> Policy:
        return await self._client.send(calls.create_policy(calls.policy_document({"name": name, **fields})))

    async def get(self, policy_id: str) -> Policy:
        return await self._client.send(calls.get_policy(policy_id))

    async def replace(self, policy_id: str, name: str | None = None, **fields: Any) -> Policy:
        return await self._client.send(calls.replace_policy(policy_id, calls.policy_document({"name": name, **fields})))

    async def update(self, policy_id: str, **changes: Any) -> Policy:
        current = await self.get(policy_id)
        return await self._client.send(calls.replace_policy(policy_id, _merged(current, changes)))

    async def delete(self, policy_id: str) -> None:
        await self._client.send(calls.delete_policy(policy_id))

    async def templates(self) -> PolicyTemplates:
        return await self._client.send(calls.policy_templates())

    async def audit(self, policy_id: str | None = None, *, session_id: str | None = None, since: str | None = None,
                    until: str | None = None) -> builtins.list[AuditEntry]:
        return await self._client.send(calls.policy_audit(policy_id, session_id, since, until))
