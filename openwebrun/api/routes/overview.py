"""Read-only views of the caller's own things for the dashboard (and any client): who am I, live and
recent sessions, a session's tasks, stored files, usage per day. Nothing here changes state."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from openwebrun.api.deps import Services, reader, services
from openwebrun.api.errors import ApiError
from openwebrun.api.responses import ID_DOC, Doc, answers
from openwebrun.domain.models import Account, Session, StoredFile, Task
from openwebrun.runtime.sessions import SessionInfo

router = APIRouter(tags=["overview"])
SessionId = Annotated[str, Path(json_schema_extra=ID_DOC)]
RECENT_TASKS = 50


class AccountView(Doc):
    success: Literal[True]
    accountId: str
    name: str
    admin: bool
    scopes: list[str]
    balance: float | None


class SessionList(Doc):
    success: Literal[True]
    sessions: list[dict[str, Any]]
    recentTasks: list[dict[str, Any]]


class SessionView(Doc):
    success: Literal[True]
    session: dict[str, Any]
    tasks: list[dict[str, Any]]


class FileList(Doc):
    success: Literal[True]
    files: list[dict[str, Any]]


class UsageView(Doc):
    success: Literal[True]
    balance: float | None
    days: list[dict[str, Any]]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def task_summary(task: Task) -> dict[str, Any]:
    return {"taskId": task.id, "sessionId": task.session_id, "status": task.status.value,
            "taskDetails": task.spec.task_details, "outputType": task.spec.output_type.value,
            "cost": round(task.usage.cost, 6), "createdAt": _iso(task.created_at),
            "completedAt": _iso(task.completed_at), "error": task.error_code}


def session_summary(svc: Services, session: Session, info: SessionInfo | None) -> dict[str, Any]:
    body: dict[str, Any] = {"sessionId": session.id, "createdAt": _iso(session.created_at),
                            "endedAt": _iso(session.ended_at), "endReason": session.end_reason,
                            "live": info is not None}
    if info is not None:
        body.update(state=info.state, taskId=info.task_id, queued=info.queued, url=info.url,
                    streaming=svc.links.streaming(session.id))
    return body


@router.get("/account", responses=answers(AccountView, 401, 403))
async def whoami(who: Account = Depends(reader)):
    """The account of the key: its name, whether it is an admin, the key's scopes and the balance (null: unlimited)."""
    return {"success": True, "accountId": who.id, "name": who.name, "admin": who.is_admin or "admin" in who.scopes,
            "scopes": sorted(who.scopes), "balance": who.balance}


@router.get("/sessions", responses=answers(SessionList, 401, 403))
async def list_sessions(who: Account = Depends(reader), svc: Services = Depends(services)):
    """The caller's live sessions (state, current URL, running task, live view URLs) and latest tasks."""
    store = svc.sessions.store
    live = {info.id: info for info in await svc.runtime.sessions() if info.account_id == who.id}
    rows = await store.sessions.list_active(who.id)
    sessions = [session_summary(svc, s, live[s.id]) for s in rows if s.id in live]
    recent = await store.tasks.recent(who.id, RECENT_TASKS)
    return {"success": True, "sessions": sessions, "recentTasks": [task_summary(t) for t in recent]}


@router.get("/sessions/{session_id}", responses=answers(SessionView, 401, 403, 404))
async def read_session(session_id: SessionId, who: Account = Depends(reader), svc: Services = Depends(services)):
    """One of the caller's sessions, live or ended, with its tasks (oldest first)."""
    store = svc.sessions.store
    session = await store.sessions.get(session_id)
    if session is None or session.account_id != who.id:
        raise ApiError(404, "Session not found.", "SESSION_NOT_FOUND")
    info = await svc.runtime.info(session_id)
    tasks = await store.tasks.list_for_session(session_id)
    return {"success": True, "session": session_summary(svc, session, info), "tasks": [task_summary(t) for t in tasks]}


def file_summary(svc: Services, f: StoredFile) -> dict[str, Any]:
    return {"fileId": f.id, "name": f.original_name, "size": f.size, "contentType": f.content_type,
            "source": f.source, "taskId": f.task_id, "createdAt": _iso(f.created_at),
            "downloadUrl": svc.links.download(f.id)}


@router.get("/files", responses=answers(FileList, 401, 403))
async def list_files(who: Account = Depends(reader), svc: Services = Depends(services)):
    """The caller's uploads and the files its tasks downloaded, newest first (at most 500)."""
    return {"success": True, "files": [file_summary(svc, f) for f in await svc.files.store.files.of_account(who.id)]}


@router.get("/usage", responses=answers(UsageView, 401, 403))
async def usage(who: Account = Depends(reader), svc: Services = Depends(services),
                days: Annotated[int, Query(ge=1, le=366)] = 30):
    """Cost and tokens per day (UTC) over the last `days` days, and the balance (null: unlimited)."""
    since = (datetime.now(UTC) - timedelta(days=days - 1)).date().isoformat()
    rows = await svc.sessions.store.usage.list(who.id, since)
    return {"success": True, "balance": who.balance,
            "days": [{"day": u.day, "tasks": u.tasks, "inputTokens": u.input_tokens, "outputTokens": u.output_tokens,
                      "computeSeconds": round(u.compute_seconds, 3), "cost": round(u.cost, 6)} for u in rows]}
