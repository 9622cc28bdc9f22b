"""/task/:sessionId/:taskId: polling a task (no API key, as in the spec; ids are unguessable)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from openwebrun.api.errors import ApiError
from openwebrun.api.deps import Services, account, services
from openwebrun.api.presenters import step_body, task_body
from openwebrun.domain.models import Account

router = APIRouter(prefix="/task")


@router.get("/{session_id}/{task_id}")
async def poll(session_id: str, task_id: str, svc: Services = Depends(services)):
    task = await svc.tasks.get(session_id, task_id)
    if task is None:
        raise ApiError(404, "Task not found.", "TASK_NOT_FOUND")
    return task_body(task, svc.settings.base_url, start_call=False)


@router.get("/{session_id}/{task_id}/steps")
async def steps(session_id: str, task_id: str, who: Account = Depends(account), svc: Services = Depends(services)):
    """The step trace of the caller's own task; screenshots are separate URLs."""
    records = await svc.tasks.steps(who, session_id, task_id)
    base = svc.settings.base_url
    return {"success": True, "sessionId": session_id, "taskId": task_id,
            "steps": [step_body(r, base, session_id) for r in records]}


@router.get("/{session_id}/{task_id}/steps/{number}/screenshot")
async def screenshot(session_id: str, task_id: str, number: int, who: Account = Depends(account),
                     svc: Services = Depends(services)):
    image = await svc.tasks.screenshot(who, session_id, task_id, number)
    return Response(content=image, media_type="image/jpeg")
