"""Retries against a real loopback server: 429/503 with Retry-After are waited out, then the answer is read."""
from __future__ import annotations

import contextlib
import email.utils
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from openwebrun import AsyncClient, BadRequestError, Client, RateLimitError, RetryPolicy, ServiceUnavailableError


@contextlib.contextmanager
def answering(answers: list[tuple[int, dict[str, str], dict]]) -> Iterator[tuple[str, list[float]]]:
    """A loopback server giving `answers` in turn (the last repeats); yields its URL and the arrival times."""
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrivals.append(time.monotonic())
            status, headers, body = answers[min(len(arrivals), len(answers)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()


LIMITED = (429, {"Retry-After": "1"}, {"success": False, "error": "Too many requests", "code": "RATE_LIMITED"})
OK = (200, {}, {"status": "ok"})


def test_429_with_retry_after_is_waited_out_then_answered():
    with answering([LIMITED, OK]) as (url, arrivals), Client(url, "k") as client:
        assert client.health() == {"status": "ok"}
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 1.0  # the server's Retry-After, not the shorter backoff


def test_503_with_an_http_date_retry_after():
    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # whole seconds: waits 2-3 s
    busy = (503, {"Retry-After": when}, {"success": False, "error": "busy", "code": "NO_AVAILABLE_INSTANCES"})
    with answering([busy, OK]) as (url, arrivals), Client(url, "k") as client:
        assert client.health() == {"status": "ok"}
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 1.5


def test_retries_run_out_raising_the_error_with_its_code():
    with answering([LIMITED]) as (url, arrivals), Client(url, "k", retry=RetryPolicy(attempts=2)) as client:
        with pytest.raises(RateLimitError) as raised:
            client.health()
    assert raised.value.code == "RATE_LIMITED" and raised.value.status == 429 and raised.value.retry_after == 1
    assert len(arrivals) == 2


def test_a_retry_after_past_the_limit_is_not_waited():
    long = (503, {"Retry-After": "3600"}, {"success": False, "error": "later", "code": "NO_AVAILABLE_INSTANCES"})
    with answering([long, OK]) as (url, arrivals), Client(url, "k") as client:
        with pytest.raises(ServiceUnavailableError) as raised:
            client.health()
    assert raised.value.retry_after == 3600 and len(arrivals) == 1


def test_other_errors_are_not_retried():
    bad = (400, {}, {"success": False, "error": "maxDuration: too small", "code": "VALIDATION_ERROR"})
    with answering([bad, OK]) as (url, arrivals), Client(url, "k") as client:
        with pytest.raises(BadRequestError) as raised:
            client.health()
    assert raised.value.code == "VALIDATION_ERROR" and "maxDuration" in raised.value.message
    assert len(arrivals) == 1


async def test_async_client_retries_too():
    with answering([LIMITED, OK]) as (url, arrivals):
        async with AsyncClient(url, "k") as client:
            assert await client.health() == {"status": "ok"}
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 1.0


def test_importing_openwebrun_stays_light():
    import subprocess
    import sys
    heavy = "('fastapi', 'playwright', 'sqlalchemy', 'socketio')"
    code = f"import openwebrun, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
