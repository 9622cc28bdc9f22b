"""/task/:sessionId/:taskId: polling a task (no API key, as in the spec; ids are unguessable)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from openwebrun.api.deps import Services, reader, services
from openwebrun.api.errors import ApiError
from openwebrun.api.presenters import delivery_body, step_body, task_body
from openwebrun.api.responses import BINARY, ID_DOC, StepsBody, TaskPolled, WebhooksBody, answers
from openwebrun.domain.models import Account

router = APIRouter(prefix="/task")
MAX_STEP_NUMBER = 2**31 - 1  # what a step number column holds
SessionId = Annotated[str, Path(json_schema_extra=ID_DOC)]
TaskId = Annotated[str, Path(json_schema_extra=ID_DOC)]


@router.get("/{session_id}/{task_id}", responses=answers(TaskPolled, 404))
async def poll(session_id: SessionId, task_id: TaskId, svc: Services = Depends(services)):
    task = await svc.tasks.get(session_id, task_id)
    if task is None:
        raise ApiError(404, "Task not found.", "TASK_NOT_FOUND")
    return task_body(task, svc.links, start_call=False)


@router.get("/{session_id}/{task_id}/steps", responses=answers(StepsBody, 401, 403, 404))
async def steps(session_id: SessionId, task_id: TaskId, who: Account = Depends(reader), svc: Services = Depends(services)):
    """The step trace of the caller's own task; screenshots are separate URLs."""
    records = await svc.tasks.steps(who, session_id, task_id)
    base = svc.settings.base_url
    return {"success": True, "sessionId": session_id, "taskId": task_id,
            "steps": [step_body(r, base, session_id) for r in records]}


@router.get("/{session_id}/{task_id}/steps/{number}/screenshot", response_class=Response,
            responses=answers({"image/jpeg": BINARY}, 401, 403, 404, description="The step's viewport"))
async def screenshot(session_id: SessionId, task_id: TaskId, number: int = Path(ge=1, le=MAX_STEP_NUMBER),
                     who: Account = Depends(reader), svc: Services = Depends(services)):
    image = await svc.tasks.screenshot(who, session_id, task_id, number)
    return Response(content=image, media_type="image/jpeg")


@router.get("/{session_id}/{task_id}/webhooks", responses=answers(WebhooksBody, 401, 403, 404))
async def webhooks(session_id: SessionId, task_id: TaskId, who: Account = Depends(reader),
                   svc: Services = Depends(services)):
    """The webhook deliveries of the caller's own task, with their attempts."""
    deliveries = await svc.webhooks.deliveries(who, session_id, task_id)
    return {"success": True, "sessionId": session_id, "taskId": task_id,
            "deliveries": [delivery_body(d) for d in deliveries]}
