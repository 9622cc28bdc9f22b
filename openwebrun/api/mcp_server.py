"""The MCP server (the official `mcp` SDK) and its door at /mcp.

- Streamable HTTP at `/mcp/<API key>` and `/mcp/<API key>:<environmentId>`, or `/mcp` with a
  Bearer header;
- legacy SSE at `/mcp/sse?apiKey=<key>` (messages go to `/mcp/messages/?session_id=…`);
- stdio with `openwebrun mcp` (cli.py), as the server's admin account.

The gateway authenticates the key and hands the caller to the tools through the request's
state; the SDK's own apps do the protocol.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, unquote

from mcp.server.fastmcp import Context, FastMCP
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from openwebrun.api.deps import Services, allowed
from openwebrun.api.mcp_tools import Caller, McpTools, ToolFailure
from openwebrun.domain.errors import Refused

CALLER = "openwebrun_caller"
SSE_SESSION = re.compile(rb"session_id=([0-9a-fA-F-]+)")
MAX_SSE_SESSIONS = 10_000
ReachOut = Annotated[str | None, Field(description="off, guardrail_only (the default) or full: where questions and "
                                                   "results go besides this client (openwebrun has no chat "
                                                   "channels: only here). Fixed for the session.")]
PolicyId = Annotated[str | None, Field(description="an automation policy of yours (/policies): every task of the "
                                                   "session is held to it", max_length=64)]


def _caller(ctx: Context, fallback: Caller | None) -> Caller:
    request = ctx.request_context.request
    caller = getattr(request.state, CALLER, None) if isinstance(request, Request) else None
    caller = caller or fallback
    if caller is None:
        raise ToolFailure("Not authenticated: connect with an API key.")
    return caller


def _progress(ctx: Context):
    async def report(step: float, message: str) -> None:
        await ctx.report_progress(step, None, message)
    return report


def build_mcp(tools: McpTools, stdio_caller: Callable[[], Caller | None] = lambda: None) -> FastMCP:
    # DNS-rebinding checks guard unauthenticated local servers; here every call carries an API key.
    mcp = FastMCP("openwebrun", stateless_http=True, json_response=False,
                  transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
                  instructions="A browser agent: run tasks in a real browser, steer its sessions, answer its questions.")

    def who(ctx: Context) -> Caller:
        return _caller(ctx, stdio_caller())

    @mcp.tool(description="Run a browser task in a new session that ends with it; returns the result.")
    async def browser_task(ctx: Context, prompt: str | None = None, taskDetails: str | None = None,
                           startingUrl: str | None = None, maxDuration: int | None = None,
                           reach_out_mode: ReachOut = None, policyId: PolicyId = None) -> dict[str, Any]:
        return await tools.browser_task(who(ctx), _progress(ctx), prompt, taskDetails, startingUrl, maxDuration,
                                        reach_out_mode, policyId)

    @mcp.tool(description="Open a browser session (optionally with a first task) and return its id and live view URL.")
    async def create_session(ctx: Context, prompt: str | None = None, taskDetails: str | None = None,
                             startingUrl: str | None = None, maxDuration: int | None = None,
                             reach_out_mode: ReachOut = None, policyId: PolicyId = None) -> dict[str, Any]:
        return await tools.create_session(who(ctx), prompt, taskDetails, startingUrl, maxDuration, reach_out_mode,
                                          policyId)

    @mcp.tool(description="Run a task in an existing session (it keeps the browser's state); returns the result.")
    async def send_task_to_session(ctx: Context, sessionId: str, prompt: str | None = None,
                                   taskDetails: str | None = None, terminateOnCompletion: bool = False) -> dict[str, Any]:
        return await tools.send_task_to_session(who(ctx), _progress(ctx), sessionId, prompt, taskDetails,
                                                terminateOnCompletion)

    @mcp.tool(description="The status of a task: active (with usage so far), completed with its result, or failed.")
    async def get_task_status(ctx: Context, sessionId: str, taskId: str) -> dict[str, Any]:
        return await tools.get_task_status(who(ctx), sessionId, taskId)

    @mcp.tool(description="Pause, resume or stop the running task, or terminate the session.")
    async def control_session(ctx: Context, sessionId: str,
                              action: Literal["pause", "resume", "stop", "terminate"]) -> dict[str, Any]:
        return await tools.control_session(who(ctx), sessionId, action)

    @mcp.tool(description="Take the browser over from the agent (a person uses the live view) or release it.")
    async def take_over_session(ctx: Context, sessionId: str, action: Literal["takeover", "release"]) -> dict[str, Any]:
        return await tools.take_over_session(who(ctx), sessionId, action)

    @mcp.tool(description="Answer the agent's question (a guardrail) in a session; the task goes on and its "
                          "result is returned. resume=false stops the task instead.")
    async def answer_guardrail(ctx: Context, sessionId: str, text: str, resume: bool = True) -> dict[str, Any]:
        return await tools.answer_guardrail(who(ctx), _progress(ctx), sessionId, text, resume)

    return mcp


class McpGateway:
    """ASGI app mounted at /mcp: authenticates, then hands the request to the SDK's apps."""

    def __init__(self, mcp: FastMCP, services: Callable[[], Services]):
        self.mcp = mcp
        self.services = services
        self.http_app = mcp.streamable_http_app()
        self.sse_app = mcp.sse_app()
        self._sse_callers: dict[str, Caller] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        rest = scope["path"][len(scope.get("root_path", "")):] if scope["path"].startswith(
            scope.get("root_path", "")) else scope["path"]
        rest = rest.strip("/")
        query = parse_qs(scope.get("query_string", b"").decode())
        if rest == "sse":
            caller = await self._authenticate(scope, query.get("apiKey", [None])[0], None, send)
            if caller is not None:
                seen: list[str] = []
                try:
                    await self.sse_app(self._with(scope, "/sse", caller), receive, self._sniff(send, caller, seen))
                finally:
                    for session in seen:
                        self._sse_callers.pop(session, None)
            return
        if rest == "messages":
            caller = self._sse_callers.get(query.get("session_id", [""])[0].replace("-", ""))
            if caller is None:
                await _reject(send, 404, "Unknown or ended SSE session: connect to /mcp/sse?apiKey=… first.")
                return
            await self.sse_app(self._with(scope, "/messages/", caller), receive, send)
            return
        key, _, environment = unquote(rest).partition(":")
        caller = await self._authenticate(scope, key or None, environment or None, send)
        if caller is not None:
            await self.http_app(self._with(scope, "/mcp", caller), receive, send)

    async def _authenticate(self, scope: Scope, key: str | None, environment: str | None,
                            send: Send) -> Caller | None:
        header = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value.decode("latin-1")
        try:
            account = await self.services().auth.authenticate(f"Bearer {key}" if key else header)
            allowed(account, "task:create")
        except Refused as refused:
            await _reject(send, 401 if refused.code == "UNAUTHORIZED" else 403, refused.message)
            return None
        return Caller(account, environment)

    @staticmethod
    def _with(scope: Scope, path: str, caller: Caller) -> Scope:
        state = dict(scope.get("state") or {})
        state[CALLER] = caller
        inner = {k: v for k, v in scope.items() if k != "raw_path"}
        return {**inner, "path": scope.get("root_path", "") + path, "state": state}

    def _sniff(self, send: Send, caller: Caller, seen: list[str]) -> Send:
        """Remember which caller an SSE session belongs to, from its `endpoint` event."""

        async def sniffing(message: Message) -> None:
            if not seen and message["type"] == "http.response.body":
                found = SSE_SESSION.search(message.get("body", b""))
                if found:
                    seen.append(found.group(1).decode().replace("-", ""))
                    if len(self._sse_callers) >= MAX_SSE_SESSIONS:
                        self._sse_callers.pop(next(iter(self._sse_callers)))
                    self._sse_callers[seen[0]] = caller
            await send(message)
        return sniffing


async def _reject(send: Send, status: int, message: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
