"""The OpenAI-compatible API at /v1: chat completions run one task in a fresh session that ends after it.

The last user message is the task; system messages and earlier turns come before it as context
the agent reads. `response_format` with a JSON schema asks for `structured_json` output; the
answer's text is then that JSON. Errors of every route here are in OpenAI's shape (errors.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sse_starlette.sse import EventSourceResponse

from openwebrun.api.deps import Services, reader
from openwebrun.api.openai import errors
from openwebrun.api.openai.errors import OpenAIError
from openwebrun.api.openai.schemas import ACCEPTED_MODELS, CREATED, MODELS, ChatRequest
from openwebrun.api.rate_limits import limited_creator
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Account, OutputType, Task, TaskSpec, TaskStatus

router = APIRouter()
CHUNK_CHARS = 200  # the answer is streamed in pieces of about this size
WAIT_S = 3600.0


def services(request: Request) -> Services:
    return request.app.state.services


def create_openai_app() -> FastAPI:
    """The /v1 sub-app; its `state.services` is set when the main app has built them."""
    app = FastAPI(title="openwebrun OpenAI-compatible API", openapi_url=None, docs_url=None, redoc_url=None)
    errors.install(app)
    app.include_router(router)
    return app


def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": CREATED,
            "owned_by": "enigma" if model_id.startswith("enigma") else "webrun"}


@router.get("/models")
async def list_models(_who: Account = Depends(reader)) -> dict[str, Any]:
    return {"object": "list", "data": [_model(m) for m in MODELS]}


@router.get("/models/{model_id}")
async def get_model(model_id: str, _who: Account = Depends(reader)) -> dict[str, Any]:
    if model_id not in ACCEPTED_MODELS:
        raise _unknown_model(model_id)
    return _model(model_id)


def _unknown_model(model_id: str) -> OpenAIError:
    return OpenAIError(404, f"The model '{model_id}' does not exist. Use one of: {', '.join(MODELS)}.",
                       "model_not_found", param="model")


def task_text(request: ChatRequest) -> str:
    """The last user message, with the conversation before it (system turns first) as context."""
    last = max((i for i, m in enumerate(request.messages) if m.role == "user"), default=None)
    if last is None or not request.messages[last].text.strip():
        raise OpenAIError(400, "messages must contain a user message with text: it is the task.",
                          "invalid_request", param="messages")
    context = [m for m in request.messages[:last] if m.role in ("system", "developer")]
    context += [m for m in request.messages[:last] if m.role not in ("system", "developer")]
    if not context:
        return request.messages[last].text.strip()
    lines = [f"{m.role}: {m.text.strip()}" for m in context if m.text.strip()]
    return ("Context (the conversation so far):\n" + "\n".join(lines)
            + f"\n\nTask (the latest request): {request.messages[last].text.strip()}")


def task_spec(request: ChatRequest) -> TaskSpec:
    spec = TaskSpec(task_details=task_text(request))
    if request.output_cap is not None:
        spec.max_output_tokens = request.output_cap
    form = request.response_format
    if form is not None and form.type == "json_schema":
        spec.output_type = OutputType.STRUCTURED_JSON
        spec.output_schema = form.json_schema.schema_ if form.json_schema else {"type": "object"}
    elif form is not None and form.type == "json_object":
        spec.output_type = OutputType.STRUCTURED_JSON
        spec.output_schema = {"type": "object"}
    return spec


@router.post("/chat/completions")
async def chat_completions(body: ChatRequest, request: Request, who: Account = Depends(limited_creator),
                           svc: Services = Depends(services)):
    if body.model not in ACCEPTED_MODELS:
        raise _unknown_model(body.model)
    spec = task_spec(body)
    _session, task = await svc.sessions.run_task(who, spec)
    completion = Completion(body, svc, who, task)
    if body.stream:
        return EventSourceResponse(completion.stream(request), ping=svc.settings.openai_keepalive_s, sep="\n")
    return await completion.answer(request)


class Completion:
    """One chat completion: its task, waited for, and the answer in OpenAI's shapes."""

    def __init__(self, request: ChatRequest, svc: Services, who: Account, task: Task):
        self.request = request
        self.svc = svc
        self.who = who
        self.task = task
        self.id = "chatcmpl-" + secrets.token_hex(12)
        self.created = int(time.time())

    async def outcome(self) -> Task:
        """The task once it ended or asked a person (a chat request cannot answer: it ends, and the
        task is answered as it stood when it asked)."""
        task = self.task
        while task.status not in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.GUARDRAIL):
            task = await self.svc.tasks.wait(task, WAIT_S)
        if task.status is TaskStatus.GUARDRAIL:
            task = dataclasses.replace(task, usage=dataclasses.replace(task.usage))
            await self._end_session()
        return task

    async def _end_session(self) -> None:
        with contextlib.suppress(Exception):  # it may have ended already
            await self.svc.sessions.terminate(self.who, self.task.session_id)

    async def until_done_or_gone(self, request: Request) -> Task:
        """The outcome; if the client goes away first, its task and session end."""
        done = asyncio.ensure_future(self.outcome())
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait([done, gone], return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if not done.done():
            done.cancel()
            await self._end_session()
            raise asyncio.CancelledError
        return done.result()

    async def answer(self, request: Request) -> dict[str, Any]:
        task = await self.until_done_or_gone(request)
        text, finish = self.result(task)
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.request.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": finish, "logprobs": None}],
                "usage": self.usage(task), **self.vendor(task)}

    async def stream(self, request: Request) -> AsyncIterator[dict[str, str]]:
        try:
            task = await self.outcome()
            try:
                text, finish = self.result(task)
            except OpenAIError as exc:
                yield {"data": json.dumps(exc.body())}
                return
            pieces = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)] or [""]
            for i, piece in enumerate(pieces):
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                yield {"data": json.dumps(self.chunk(delta, None))}
            yield {"data": json.dumps(self.chunk({}, finish, vendor=self.vendor(task)))}
            options = self.request.stream_options
            if options is not None and options.include_usage:
                yield {"data": json.dumps({**self.chunk(None, None), "choices": [], "usage": self.usage(task)})}
            yield {"data": "[DONE]"}
        except asyncio.CancelledError:  # the client went away: its task and session end
            await asyncio.shield(self._end_session())
            raise

    def chunk(self, delta: dict[str, Any] | None, finish: str | None, vendor: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                "model": self.request.model}
        if delta is not None:
            body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        return {**body, **(vendor or {})}

    def result(self, task: Task) -> tuple[str, str]:
        """(answer text, finish_reason); OpenAIError when the task did not give an answer."""
        if task.status is TaskStatus.GUARDRAIL:
            raise OpenAIError(422, f"Guardrail triggered: {task.guardrail or ''}", "guardrail_triggered",
                              "guardrail_error")
        if task.status is TaskStatus.FAILED:
            if task.error_code == ErrorCode.TOKEN_LIMIT_EXCEEDED.value:
                return "", "length"
            status = 503 if task.error_code in ("BROWSER_CRASHED", "BROWSER_UNAVAILABLE") else 502
            raise OpenAIError(status, task.error or "The task failed.", (task.error_code or "task_failed").lower(),
                              "server_error")
        assert task.result is not None
        if task.spec.output_type is OutputType.STRUCTURED_JSON and task.result.data is not None:
            return json.dumps(task.result.data), "stop"
        return task.result.message, "stop"

    @staticmethod
    def usage(task: Task) -> dict[str, int]:
        return {"prompt_tokens": task.usage.input_tokens, "completion_tokens": task.usage.output_tokens,
                "total_tokens": task.usage.total_tokens}

    @staticmethod
    def vendor(task: Task) -> dict[str, Any]:
        ids = {"sessionId": task.session_id, "taskId": task.id, "cost": round(task.usage.cost, 6)}
        return {"webrun": ids, "enigma": dict(ids)}


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
