"""/task/:sessionId/:taskId: polling a task (no API key, as in the spec; ids are unguessable)."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from openwebrun.api.deps import Services, services
from openwebrun.api.presenters import task_body
from openwebrun.domain.errors import ApiError

router = APIRouter(prefix="/task")


@router.get("/{session_id}/{task_id}")
async def poll(session_id: str, task_id: str, svc: Services = Depends(services)):
    task = await svc.tasks.get(session_id, task_id)
    if task is None:
        raise ApiError(404, "Task not found.", "TASK_NOT_FOUND")
    return task_body(task, svc.settings.base_url, start_call=False)
