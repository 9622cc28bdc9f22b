"""The MCP server, driven by the official `mcp` SDK's client over Streamable HTTP, legacy SSE and stdio."""
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.conftest import act, done, script
from tests.support.servers import API_KEY

TOOLS = {"browser_task", "create_session", "send_task_to_session", "get_task_status", "control_session",
         "take_over_session", "answer_guardrail"}


@pytest.fixture(scope="module")
def server(make_server):
    return make_server()


@contextlib.asynccontextmanager
async def over_http(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(120, read=300)) as http, \
            streamable_http_client(url, http_client=http) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, progress=None, **arguments) -> dict:
    result = await session.call_tool(tool, arguments, progress_callback=progress)
    assert not result.isError, result.content
    return json.loads(result.content[0].text)


async def test_the_tools_are_listed_with_their_parameters(server):
    async with over_http(f"{server.base_url}/mcp/{API_KEY}") as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
    assert set(tools) == TOOLS
    assert {"prompt", "taskDetails", "startingUrl", "maxDuration"} <= set(tools["browser_task"].inputSchema["properties"])
    assert tools["control_session"].inputSchema["properties"]["action"]["enum"] == ["pause", "resume", "stop", "terminate"]


async def test_browser_task_reports_progress_and_returns_the_result(server, llm, site):
    tag = script(llm, [act({"action": "navigate", "url": f"{site}/index.html"}, goal="open the index"),
                       done("Found it.")])
    progress: list[tuple[float, str | None]] = []

    async def seen(value: float, _total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with over_http(f"{server.base_url}/mcp/{API_KEY}") as session:
        body = await call(session, "browser_task", seen, prompt=f"look {tag}", startingUrl=f"{site}/list.html")
    assert body["success"] is True and body["result"] == "Found it."
    assert body["usage"]["total_tokens"] > 0 and {"sessionId", "taskId"} <= set(body)
    assert any(m and "open the index" in m for _, m in progress), progress
    assert any(m and m.startswith("navigate") for _, m in progress), progress
    polled = httpx.get(f"{server.base_url}/task/{body['sessionId']}/{body['taskId']}").json()
    assert polled["status"] == "completed"


async def test_a_session_steered_with_the_tools_and_a_question_answered(server, llm, site):
    first = script(llm, [done("first done")])
    asking = script(llm, [
        act({"action": "ask_human", "question": "Which colour?", "reason": "choice"}),
        done({"$match": r"(?<=The person answered: )\w+"})])
    async with over_http(f"{server.base_url}/mcp", headers={"Authorization": f"Bearer {API_KEY}"}) as session:
        created = await call(session, "create_session", startingUrl=f"{site}/index.html")
        sid = created["sessionId"]
        assert created["streamingUrl"].startswith(f"{server.base_url}/stream/{sid}/")
        ran = await call(session, "send_task_to_session", sessionId=sid, taskDetails=f"go {first}")
        assert ran["result"] == "first done"
        status = await call(session, "get_task_status", sessionId=sid, taskId=ran["taskId"])
        assert status["status"] == "completed" and status["data"]["message"] == "first done"

        asked = await call(session, "send_task_to_session", sessionId=sid, prompt=f"choose {asking}")
        assert asked["status"] == "guardrail" and asked["data"]["value"] == "Which colour?"
        answered = await call(session, "answer_guardrail", sessionId=sid, text="teal")
        # the agent read the answer; as every answer to the agent, it is masked in what is returned
        assert answered["success"] is True and answered["result"] == "•••", answered
        assert "The person answered: teal" in json.dumps(llm.requests_for(asking.split(":", 1)[1])[-1])

        taken = await call(session, "take_over_session", sessionId=sid, action="takeover")
        assert taken["message"] == "Manual control enabled. Agent paused." and taken["streamingUrl"]
        assert (await call(session, "take_over_session", sessionId=sid, action="release"))["success"]
        ended = await call(session, "control_session", sessionId=sid, action="terminate")
        assert ended == {"success": True, "message": "Session control command sent successfully",
                         "action": "terminate"}
        gone = await session.call_tool("send_task_to_session", {"sessionId": sid, "prompt": "more"})
        assert gone.isError and "Session not found" in gone.content[0].text


async def test_reach_out_mode_is_checked_fixed_at_creation_and_questions_come_back_here(server, llm, site):
    asking = script(llm, [act({"action": "ask_human", "question": "Which size?", "reason": "choice"}), done("size M")])
    never = script(llm, [done("ran")])
    async with over_http(f"{server.base_url}/mcp/{API_KEY}") as session:
        tools = {t.name: t.inputSchema["properties"] for t in (await session.list_tools()).tools}
        assert "reach_out_mode" in tools["browser_task"] and "reach_out_mode" in tools["create_session"]
        assert "reach_out_mode" not in tools["send_task_to_session"]  # fixed when the session is created
        for tool in ("browser_task", "create_session"):
            bad = await session.call_tool(tool, {"prompt": f"refused {never}", "reach_out_mode": "loud"})
            assert bad.isError and bad.content[0].text.endswith(
                "reach_out_mode must be one of: off, guardrail_only, full (VALIDATION_ERROR)"), bad.content
        assert not llm.requests_for(never.split(":", 1)[1])  # refused before any task started

        created = await call(session, "create_session")
        assert created["reachOutMode"] == "guardrail_only"  # the default
        await call(session, "control_session", sessionId=created["sessionId"], action="terminate")

        # "full" would also send questions and results to a chat user: openwebrun has none, they come here
        asked = await call(session, "browser_task", prompt=f"pick {asking}", startingUrl=f"{site}/form.html",
                           reach_out_mode="full")
        assert asked["reachOutMode"] == "full" and asked["status"] == "guardrail", asked
        assert asked["data"]["value"] == "Which size?"
        answered = await call(session, "answer_guardrail", sessionId=asked["sessionId"], text="M")
        assert answered["result"] == "size M", answered


async def test_a_policy_holds_the_tools_sessions(server, llm, site):
    with server.client() as api:
        policy = api.post("/policies", json={"name": "mcp", "llmRole": "Only read, never buy.", "actionRules": [
            {"id": "no-list", "category": "navigation", "permission": "block", "urlPattern": "*/list.html*"}]})
        draft = api.post("/policies", json={"name": "draft", "status": "draft"})
    assert policy.status_code == draft.status_code == 200, (policy.text, draft.text)
    tag = script(llm, [act({"action": "navigate", "url": f"{site}/list.html"}, goal="open the list"), done("stayed")])
    async with over_http(f"{server.base_url}/mcp/{API_KEY}") as session:
        ran = await call(session, "browser_task", prompt=f"browse {tag}", startingUrl=f"{site}/form.html",
                         policyId=policy.json()["policy"]["id"])
        assert ran["result"] == "stayed", ran
        for bad, code in ((draft.json()["policy"]["id"], "POLICY_NOT_ACTIVE"), ("p" * 32, "POLICY_NOT_FOUND")):
            for tool in ("browser_task", "create_session"):
                refused = await session.call_tool(tool, {"prompt": "never runs", "policyId": bad})
                assert refused.isError and refused.content[0].text.endswith(f"({code})"), refused.content
    with server.client() as api:
        steps = api.get(f"/task/{ran['sessionId']}/{ran['taskId']}/steps").json()["steps"]
    assert "navigate was blocked by policy 'mcp' (rule no-list" in (steps[0]["error"] or ""), steps[0]
    assert "Only read, never buy." in json.dumps(llm.requests_for(tag.split(":", 1)[1])[0])


async def test_a_wrong_key_is_refused_and_sse_still_works(server, llm):
    wrong = httpx.post(f"{server.base_url}/mcp/wrong-key", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                       headers={"Accept": "application/json, text/event-stream"})
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "Invalid API key."
    tag = script(llm, [done("over sse")])
    async with sse_client(f"{server.base_url}/mcp/sse?apiKey={API_KEY}") as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        assert {t.name for t in (await session.list_tools()).tools} == TOOLS
        body = await call(session, "browser_task", prompt=f"legacy {tag}")
    assert body["result"] == "over sse"
    assert httpx.get(f"{server.base_url}/mcp/sse?apiKey=wrong").status_code == 401


async def test_stdio_serves_the_same_tools(llm, site, tmp_path):
    tag = script(llm, [done("over stdio")])
    env = {**os.environ, "OPENWEBRUN_DATA_DIR": str(tmp_path), "OPENWEBRUN_MODEL": "scripted-model",
           "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "test", "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS": "true"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "openwebrun.cli", "mcp"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        assert {t.name for t in (await session.list_tools()).tools} == TOOLS
        body = await call(session, "browser_task", prompt=f"local {tag}", startingUrl=f"{site}/index.html")
    assert body["result"] == "over stdio"
