"""Rate limits: the 11th call of a minute is refused with 429 and Retry-After, on one server and
across two servers sharing the machine's Redis."""
from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis

from tests.support.servers import API_KEY

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMITED = {"sessionId": "0" * 32, "message": {"actionType": "state", "newState": "pause"}}  # refused, still counted


def call(base_url: str, key: str = API_KEY) -> httpx.Response:
    return httpx.post(f"{base_url}/start/send-message", json=LIMITED, headers={"Authorization": f"Bearer {key}"},
                      timeout=30)


def test_the_eleventh_call_in_a_minute_is_refused(make_server):
    server = make_server(OPENWEBRUN_RATE_LIMIT="10/minute")
    answers = [call(server.base_url) for _ in range(10)]
    assert [a.status_code for a in answers] == [401] * 10  # failed calls count too
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == [str(9 - i) for i in range(10)]
    assert all(a.headers["x-ratelimit-limit"] == "10" for a in answers)
    refused = call(server.base_url)
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMIT_EXCEEDED"
    assert refused.json()["message"] == "Rate limit exceeded. Please try again later."
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # per account: another account is not held back; unlimited routes stay open
    other = server.create_key()
    assert call(server.base_url, other).status_code == 401
    assert httpx.get(f"{server.base_url}/start/health").status_code == 200
    chat = httpx.post(f"{server.base_url}/v1/chat/completions", headers={"Authorization": f"Bearer {API_KEY}"},
                      json={"model": "webrun-browser-1", "messages": [{"role": "user", "content": "hi"}]})
    assert chat.status_code == 429 and chat.json()["error"]["type"] == "rate_limit_error"
    assert "retry-after" in chat.headers


def test_servers_sharing_redis_share_the_limit(make_server, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    key = f"owr_test_{uuid.uuid4().hex}"  # a fresh account: nothing counted for it in Redis yet
    # two processes of one deployment: one database (so one account behind the key), one Redis
    env = {"OPENWEBRUN_RATE_LIMIT": "10/minute", "OPENWEBRUN_REDIS_URL": REDIS_URL, "OPENWEBRUN_API_KEY": key,
           "OPENWEBRUN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"}
    first, second = make_server(**env), make_server(**env)
    counts = [call(first.base_url, key).status_code for _ in range(6)]
    counts += [call(second.base_url, key).status_code for _ in range(4)]
    assert counts == [401] * 10
    assert call(second.base_url, key).status_code == 429
    assert call(first.base_url, key).status_code == 429


@contextmanager
def dead_redis(kind: str) -> Iterator[str]:
    """A Redis URL nobody answers on: a closed loopback port (refused at once), or a port that accepts
    connections and never answers (only a timeout ends a call)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        if kind == "silent":
            sock.listen(16)
            yield f"redis://127.0.0.1:{port}/0"
            return
    yield f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("kind", ["closed", "silent"])
def test_a_dead_redis_neither_hangs_nor_refuses_and_limits_still_hold(make_server, kind):
    with dead_redis(kind) as url:
        server = make_server(OPENWEBRUN_RATE_LIMIT="3/minute", OPENWEBRUN_REDIS_URL=url, OPENWEBRUN_REDIS_TIMEOUT_S="0.5")
        answers = [call(server.base_url) for _ in range(3)]  # call() gives up after 30 s: a hang fails the test
        assert [a.status_code for a in answers] == [401] * 3, [a.text for a in answers]
        assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
        refused = call(server.base_url)  # counted in the server's memory while Redis is away
        assert refused.status_code == 429 and refused.json()["code"] == "RATE_LIMIT_EXCEEDED"
        assert "retry-after" in refused.headers
        warnings = [line for line in server.log().splitlines() if "rate limit storage unreachable" in line]
        assert len(warnings) == 1, server.log()[-3000:]  # once, not on every request
        assert ("TimeoutError" if kind == "silent" else "ConnectionError") in warnings[0]
