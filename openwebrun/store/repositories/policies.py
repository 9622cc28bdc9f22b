"""Policies (one row each, the rules as a JSON document) and their audit trail (append-only)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from openwebrun.domain.policies import AuditEntry, Policy, build_policy, policy_document
from openwebrun.store.repositories.base import Repository, rows_changed
from openwebrun.store.tables import PolicyAuditRow, PolicyRow

AUDIT_PAGE = 1000


def policy_from_row(row: PolicyRow) -> Policy:
    policy = build_policy(row.document, policy_id=row.id, account_id=row.account_id, created_at=row.created_at)
    policy.updated_at = row.updated_at
    return policy


class PolicyRepository(Repository):
    async def add(self, policy: Policy) -> None:
        async with self._transaction() as s:
            s.add(PolicyRow(id=policy.id, account_id=policy.account_id, name=policy.name, status=policy.status,
                            document=policy_document(policy), created_at=policy.created_at,
                            updated_at=policy.updated_at))

    async def get(self, policy_id: str) -> Policy | None:
        async with self._transaction() as s:
            row = await s.get(PolicyRow, policy_id)
            return policy_from_row(row) if row is not None else None

    async def all_of(self, account_id: str) -> list[Policy]:
        async with self._transaction() as s:
            rows = await s.scalars(select(PolicyRow).where(PolicyRow.account_id == account_id)
                                   .order_by(PolicyRow.created_at, PolicyRow.id))
            return [policy_from_row(r) for r in rows]

    async def replace(self, policy: Policy) -> bool:
        async with self._transaction() as s:
            result = await s.execute(update(PolicyRow).where(PolicyRow.id == policy.id).values(
                name=policy.name, status=policy.status, document=policy_document(policy),
                updated_at=policy.updated_at))
            return rows_changed(result) == 1

    async def delete(self, policy_id: str) -> bool:
        async with self._transaction() as s:
            result = await s.execute(delete(PolicyRow).where(PolicyRow.id == policy_id))
            return rows_changed(result) == 1

    async def audit(self, entry: AuditEntry) -> None:
        async with self._transaction() as s:
            s.add(PolicyAuditRow(id=entry.id, policy_id=entry.policy_id, account_id=entry.account_id,
                                 session_id=entry.session_id, task_id=entry.task_id, at=entry.at,
                                 category=entry.category, action=entry.action, rule_id=entry.rule_id,
                                 decision=entry.decision, human_response=entry.human_response, layer=entry.layer))

    async def audit_trail(self, account_id: str, *, policy_id: str | None = None, session_id: str | None = None,
                          since: datetime | None = None, until: datetime | None = None,
                          limit: int = AUDIT_PAGE) -> list[AuditEntry]:
        """The account's policy decisions, oldest first, narrowed to a policy, a session and a time range."""
        query = select(PolicyAuditRow).where(PolicyAuditRow.account_id == account_id)
        if policy_id:
            query = query.where(PolicyAuditRow.policy_id == policy_id)
        if session_id:
            query = query.where(PolicyAuditRow.session_id == session_id)
        if since is not None:
            query = query.where(PolicyAuditRow.at >= since)
        if until is not None:
            query = query.where(PolicyAuditRow.at <= until)
        async with self._transaction() as s:
            rows = await s.scalars(query.order_by(PolicyAuditRow.at, PolicyAuditRow.id).limit(limit))
            return [AuditEntry(id=r.id, policy_id=r.policy_id, account_id=r.account_id, session_id=r.session_id,
                               task_id=r.task_id, category=r.category, action=r.action,
                               decision=r.decision,  # type: ignore[arg-type]
                               rule_id=r.rule_id, human_response=r.human_response, layer=r.layer, at=r.at)
                    for r in rows]
