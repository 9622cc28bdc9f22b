"""/policies: automation policies (list, create, read, replace, delete), the templates, the audit trail."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from openwebrun.api.deps import Services, account, services
from openwebrun.api.errors import ApiError
from openwebrun.api.presenters import audit_body, policy_body
from openwebrun.api.responses import (
    AuditTrail,
    PolicyAnswer,
    PolicyChecked,
    PolicyDeleted,
    PolicyList,
    PolicyTemplates,
    answers,
)
from openwebrun.api.schemas import PolicyIn
from openwebrun.domain.models import Account

router = APIRouter(prefix="/policies", tags=["policies"])
PolicyId = Annotated[str, Path(max_length=64)]
ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:\d{2})?$"
SessionFilter = Annotated[str | None, Query(max_length=64)]
Since = Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time, inclusive")]
Until = Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time, inclusive")]


@router.get("", responses=answers(PolicyList, 401, 403))
async def list_policies(who: Account = Depends(account), svc: Services = Depends(services)):
    return {"success": True, "policies": [policy_body(p) for p in await svc.policies.all_of(who)]}


@router.post("", responses=answers(PolicyAnswer, 401, 403, 409))
async def create_policy(body: PolicyIn, who: Account = Depends(account), svc: Services = Depends(services)):
    policy = await svc.policies.create(who, body.document())
    return {"success": True, "policy": policy_body(policy)}


@router.post("/check", responses=answers(PolicyChecked, 401, 403))
async def check_policy(body: PolicyIn, who: Account = Depends(account), svc: Services = Depends(services)):
    """Validate a policy document as POST /policies would, without saving it (editors check as you type)."""
    svc.policies.check(who, body.document())
    return {"success": True, "valid": True}


@router.get("/templates", responses=answers(PolicyTemplates, 401, 403))
async def templates(_who: Account = Depends(account), svc: Services = Depends(services)):
    """WebRun's four templates as policy documents: POST one (edited) to /policies to use it."""
    return {"success": True, "templates": svc.policies.templates()}


@router.get("/audit", responses=answers(AuditTrail, 401, 403))
async def account_audit(who: Account = Depends(account), svc: Services = Depends(services),
                        policyId: Annotated[str | None, Query(max_length=64)] = None,
                        sessionId: SessionFilter = None, since: Since = None, until: Until = None):
    """The decisions of all the account's policies, deleted ones included, oldest first."""
    entries = await svc.policies.audit(who, policyId, session_id=sessionId, since=_moment(since, "since"),
                                       until=_moment(until, "until"))
    return {"success": True, "policyId": policyId, "entries": [audit_body(e) for e in entries]}


@router.get("/{policy_id}", responses=answers(PolicyAnswer, 401, 403, 404))
async def read_policy(policy_id: PolicyId, who: Account = Depends(account), svc: Services = Depends(services)):
    return {"success": True, "policy": policy_body(await svc.policies.get(who, policy_id))}


@router.put("/{policy_id}", responses=answers(PolicyAnswer, 401, 403, 404))
async def replace_policy(policy_id: PolicyId, body: PolicyIn, who: Account = Depends(account),
                         svc: Services = Depends(services)):
    """Replace the whole policy; sessions already running keep the version they started with."""
    return {"success": True, "policy": policy_body(await svc.policies.replace(who, policy_id, body.document()))}


@router.delete("/{policy_id}", responses=answers(PolicyDeleted, 401, 403, 404))
async def delete_policy(policy_id: PolicyId, who: Account = Depends(account), svc: Services = Depends(services)):
    """Delete the policy; its audit trail stays readable."""
    await svc.policies.delete(who, policy_id)
    return {"success": True, "id": policy_id}


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO 8601 time such as 2026-12-01T05:00:00Z", "VALIDATION_ERROR") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@router.get("/{policy_id}/audit", responses=answers(AuditTrail, 401, 403, 404))
async def audit(policy_id: PolicyId, who: Account = Depends(account), svc: Services = Depends(services),
                sessionId: SessionFilter = None, since: Since = None, until: Until = None):
    """Every decision the policy made (allow, block, guardrail and the person's answer), oldest first."""
    await svc.policies.get(who, policy_id)
    entries = await svc.policies.audit(who, policy_id, session_id=sessionId, since=_moment(since, "since"),
                                       until=_moment(until, "until"))
    return {"success": True, "policyId": policy_id, "entries": [audit_body(e) for e in entries]}
