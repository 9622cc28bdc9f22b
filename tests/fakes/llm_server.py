"""A scripted OpenAI-compatible chat server on loopback, so the real provider code runs in tests.

A script is a list of steps. Each request picks the script whose name appears (as
`script:NAME`) in the request's messages and answers with its next step:

- a dict with "actions": a decision, sent in the form the request asked for
  (tool call when `tools` were given, JSON content otherwise);
- {"raw": "text"}: that text as the message content (garbage, prose, fences);
- {"status": 500}: that HTTP status with an error body;
- {"delay": 2.5, ...}: sleep first, then answer the rest of the step;
- {"usage": [in, out], ...}: report these token counts (default: estimated);
- {"headers": {"Retry-After": "1"}, ...}: extra response headers (with "status");
- {"tool_raw": "text"}: a tool call whose arguments string is that text verbatim;
- {"gate": "name", ...}: hold the answer until the test opens the gate (`llm.gate("name")`
  gives the Gate: `wait_arrived(timeout)` for the request to reach it, `release()` to answer).

A request shape can be refused with HTTP 400 without using up a step, to mimic servers that
lack a feature: `ScriptedLLM(rejects={"json_schema"})` for every script, or
`script(name, steps, rejects={"tools"})` for one. Shapes: "json_schema", "json_object", "tools".

Inside a decision, {"$find": "text"} stands for the number [n] of the first element line of
the page state (in the last user message) that contains "text", so scripts need not know
the numbering: {"action": "click", "index": {"$find": "Submit"}}. {"$match": "regex"} stands
for the first match of the regex in that page state ("" if none), so a result can only
come from what the browser showed.

When a script runs out the last step repeats. Every request is recorded.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCRIPT_RE = re.compile(r"script:([A-Za-z0-9_\-]+)")


def request_shapes(body: dict[str, Any]) -> set[str]:
    """How the request asks for structure: "tools", "json_schema", "json_object"."""
    shapes = {"tools"} if body.get("tools") else set()
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type"):
        shapes.add(str(response_format["type"]))
    return shapes


class Gate:
    """A held answer: the test waits for the request to arrive, then releases it."""

    def __init__(self) -> None:
        self.arrivals = 0
        self._arrived = threading.Condition()
        self._open = threading.Event()

    def arrive(self) -> None:
        with self._arrived:
            self.arrivals += 1
            self._arrived.notify_all()

    def wait_arrived(self, timeout: float = 30, count: int = 1) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.arrivals >= count, timeout):
                raise AssertionError(f"no request reached the gate within {timeout}s")

    def release(self) -> None:
        self._open.set()

    def hold(self, timeout: float = 120) -> None:
        self._open.wait(timeout)


class ScriptedLLM:
    path_suffix = "/chat/completions"  # POSTs elsewhere get 404

    def __init__(self, rejects: Iterable[str] = ()) -> None:
        self.scripts: dict[str, list[dict[str, Any]]] = {}
        self.cursor: dict[str, int] = {}
        self.rejects: set[str] = set(rejects)
        self.script_rejects: dict[str, set[str]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.gates: dict[str, Gate] = {}
        self._server: ThreadingHTTPServer | None = None

    # --- scripting -------------------------------------------------------------
    def script(self, name: str, steps: list[dict[str, Any]], *, rejects: Iterable[str] = ()) -> str:
        with self.lock:
            self.scripts[name] = list(steps)
            self.cursor[name] = 0
            self.script_rejects[name] = set(rejects)
        return f"script:{name}"

    def gate(self, name: str) -> Gate:
        with self.lock:
            return self.gates.setdefault(name, Gate())

    def requests_for(self, name: str) -> list[dict[str, Any]]:
        tag = f"script:{name}"
        return [r for r in self.requests if tag in self._request_text(r)]

    @staticmethod
    def _request_text(body: dict[str, Any]) -> str:
        return json.dumps([body.get("system", ""), body.get("messages", [])])

    def _next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        text = self._request_text(body)
        with self.lock:
            self.requests.append(body)
            for name in SCRIPT_RE.findall(text):
                if name in self.scripts:
                    refused = request_shapes(body) & (self.rejects | self.script_rejects.get(name, set()))
                    if refused:
                        return {"status": 400, "error": f"response shape not supported: {', '.join(sorted(refused))}"}
                    steps = self.scripts[name]
                    i = self.cursor[name]
                    self.cursor[name] = i + 1
                    return steps[min(i, len(steps) - 1)] if steps else {"status": 500}
        return {"status": 400, "error": "no script named in the messages"}

    # --- serving ---------------------------------------------------------------
    # --- answers (overridden by other wire formats) ------------------------------
    def render(self, body: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
        return completion(body, step)

    def render_error(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error"}}

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ScriptedLLM:
        llm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: Any, raw: bool = False, headers: dict[str, str] | None = None) -> None:
                data = payload.encode() if raw else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, str(value))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.split("?")[0].rstrip("/").endswith(llm.path_suffix):
                    self._send(404, llm.render_error(404, f"no route {self.path}"))
                    return
                step = llm._next_step(body)
                if "gate" in step:
                    gate = llm.gate(step["gate"])
                    gate.arrive()
                    gate.hold()
                if "delay" in step:
                    time.sleep(float(step["delay"]))
                if "status" in step:
                    status = int(step["status"])
                    self._send(status, llm.render_error(status, step.get("error", "scripted failure")),
                               headers=step.get("headers"))
                    return
                if "body" in step:
                    self._send(200, step["body"], raw=True)
                    return
                self._send(200, llm.render(body, step))

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that gave up (timeout test) closes the socket before the delayed answer
        pass


ELEMENT_RE = re.compile(r"\[(\d+)\]")


def _page_text(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def resolve_finds(value: Any, page: str) -> Any:
    """Replace {"$find": text} and {"$match": regex} from the page state (see module doc)."""
    if isinstance(value, dict):
        if set(value) == {"$find"}:
            needle = value["$find"]
            for line in page.splitlines():
                found = ELEMENT_RE.search(line)
                if found and needle in line:
                    return int(found.group(1))
            return -1
        if set(value) == {"$match"}:
            found = re.search(value["$match"], page)
            return found.group(0) if found else ""
        return {k: resolve_finds(v, page) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_finds(v, page) for v in value]
    return value


STEP_KEYS = ("delay", "usage", "raw", "tool_raw", "headers", "gate")


def step_decision(request: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """The decision a step stands for, with $find / $match resolved against the request's page."""
    return resolve_finds({k: v for k, v in step.items() if k not in STEP_KEYS}, _page_text(request))


def completion(request: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    decision = step_decision(request, step)
    message: dict[str, Any] = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    if "raw" in step:
        message["content"] = step["raw"]
    elif tools:
        name = tools[0]["function"]["name"]
        arguments = step["tool_raw"] if "tool_raw" in step else json.dumps(decision)
        message["tool_calls"] = [{
            "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": arguments},
        }]
    else:
        message["content"] = json.dumps(decision)
    if "usage" in step:
        prompt_tokens, completion_tokens = step["usage"]
    else:
        prompt_tokens = len(json.dumps(request.get("messages", []))) // 4
        completion_tokens = len(json.dumps(message)) // 4
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
