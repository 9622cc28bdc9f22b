"""/start/*: start-session, send-message, run-task, health."""
from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends

from openwebrun.api.deps import Services, services
from openwebrun.api.errors import ApiError
from openwebrun.api.messages import handle_message
from openwebrun.api.presenters import session_body, task_body
from openwebrun.api.rate_limits import limited_creator
from openwebrun.api.responses import Health, MessageSent, SessionStarted, TaskStarted, answers
from openwebrun.api.schemas import RunTaskIn, SendMessageIn, SessionOptionsIn, StartSessionIn
from openwebrun.domain.models import Account
from openwebrun.domain.proxies import ProxyChoice

router = APIRouter(prefix="/start")


def _refuse_unsupported(options: SessionOptionsIn) -> None:
    """Session features that this server does not provide yet are refused, never ignored."""
    if options.mode != "default":
        raise ApiError(400, f"Unsupported mode {options.mode!r}: only 'default' exists.", "VALIDATION_ERROR")


def _proxy(svc: Services, options: SessionOptionsIn) -> ProxyChoice | None:
    """The session's proxy: the caller's own, or one of the server's pool (400 when it has none)."""
    proxy = options.proxy
    if proxy is None:
        return None
    if proxy.source == "WebRun":
        assert proxy.country is not None
        return svc.proxies.from_pool(proxy.country, proxy.level)
    assert proxy.type is not None and proxy.host is not None and proxy.port is not None
    return svc.proxies.custom(proxy.type, proxy.host.strip("[]"), proxy.port, proxy.username,
                              proxy.password.get_secret_value() if proxy.password is not None else None, proxy.level)


@router.post("/start-session", responses=answers(SessionStarted, 400, 401, 402, 403, 404, 429, 503))
async def start_session(body: StartSessionIn, who: Account = Depends(limited_creator), svc: Services = Depends(services)):
    _refuse_unsupported(body)
    initial = body.initial_task()
    spec = initial.to_spec()
    if initial.text is None:  # an idle session; the task fields it came with are still checked
        await svc.tasks.check_spec(who, spec)
    policy = await svc.policies.for_session(who, body.policyId) if body.policyId else None
    session, task = await svc.sessions.start(who, spec if initial.text is not None else None, body.expiresIn,
                                             environment_id=body.environment_id, proxy=_proxy(svc, body),
                                             policy=policy)
    if task is not None:
        task = await svc.tasks.wait(task, svc.settings.wait_window_s)
    return session_body(session, task, svc.links, who.balance)


@router.post("/run-task", responses=answers(TaskStarted, 400, 401, 402, 403, 404, 429, 503))
async def run_task(body: RunTaskIn, who: Account = Depends(limited_creator), svc: Services = Depends(services)):
    _refuse_unsupported(body)
    policy = await svc.policies.for_session(who, body.policyId) if body.policyId else None
    _session, task = await svc.sessions.run_task(who, body.to_spec(), environment_id=body.environment_id,
                                                 proxy=_proxy(svc, body), policy=policy)
    task = await svc.tasks.wait(task, svc.settings.wait_window_s)
    return task_body(task, svc.links, start_call=True)


@router.post("/send-message", responses=answers(TaskStarted | MessageSent, 401, 402, 403, 409, 429))
async def send_message(body: SendMessageIn, who: Account = Depends(limited_creator), svc: Services = Depends(services)):
    return await handle_message(svc, who, body.sessionId, body.message)


@router.get("/health", responses=answers(Health))
async def health(svc: Services = Depends(services)):
    health = await svc.runtime.health()
    free = health.pop("free")
    return {"success": True, "status": "healthy", "instancesAvailable": free > 0, "instanceCount": free, **health,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
