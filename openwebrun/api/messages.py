"""The `message` of send-message (and of the socket): parsed into a task or a runtime command."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from openwebrun.api.deps import Services
from openwebrun.api.errors import validation_message
from openwebrun.api.presenters import task_body
from openwebrun.api.schemas import GuardrailMessage, InteractionMessage, NewTaskMessage, StateMessage
from openwebrun.domain import commands as cmd
from openwebrun.domain.errors import Refused
from openwebrun.domain.models import Account

SENT = {"success": True, "message": "Message sent successfully"}
STATES: dict[str, cmd.Command] = {"pause": cmd.Pause(), "resume": cmd.Resume(), "stop": cmd.Stop(),
                                  "terminate": cmd.Terminate(), "manual": cmd.TakeOver()}
KINDS = ("newTask", "state", "interaction", "guardrail")


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused("VALIDATION_ERROR", "message." + validation_message(exc.errors())) from None


def to_command(message: dict[str, Any]) -> cmd.Command:
    """A state, interaction or guardrail message as a command (VALIDATION_ERROR when malformed)."""
    kind = message.get("actionType")
    if kind == "state":
        return STATES[_parse(StateMessage, message).newState]
    if kind == "interaction":
        action = _parse(InteractionMessage, message).action
        if action.type == "takeOverControl":
            return cmd.TakeOver()
        if action.type == "releaseControl":
            return cmd.Release()
        if action.type in ("CLICK", "DOUBLE_CLICK"):
            return cmd.Input(cmd.InputKind(action.type), x=action.x, y=action.y)
        if action.type == "TYPE":
            return cmd.Input(cmd.InputKind.TYPE, text=action.text, human_like=action.humanLike)
        return cmd.Input(cmd.InputKind.KEY_PRESS, key=action.key)
    if kind == "guardrail":
        answer = _parse(GuardrailMessage, message)
        return cmd.Answer(text=answer.answer, resume=answer.newState == "resume")
    raise Refused("VALIDATION_ERROR", f"message.actionType must be one of {', '.join(KINDS)}.")


async def handle_message(svc: Services, who: Account | None, session_id: str, message: dict[str, Any],
                         owner: Account | None = None) -> dict[str, Any]:
    """Carry out one message for `session_id`; the answer body of send-message.

    `who` is the caller whose session it must be (None when the session id itself is the
    credential, as on the socket); new tasks are billed to `owner` (default `who`).
    """
    await svc.sessions.check_owner(who, session_id)  # unknown or foreign sessions first, whatever the message
    if message.get("actionType") == "newTask":
        spec = _parse(NewTaskMessage, message).to_spec()
        account = owner or who
        assert account is not None
        task = await svc.sessions.new_task(account, session_id, spec)
        task = await svc.tasks.wait(task, svc.settings.wait_window_s)
        return task_body(task, svc.links, start_call=True)
    await svc.sessions.command(who, session_id, to_command(message))
    return dict(SENT)
