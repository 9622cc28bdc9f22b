"""Webhook delivery: throughput from the outbox and the time from a task's end to its delivery.

Measured in this run on this machine:
- throughput: N deliveries already in the outbox (SQLite in a temporary directory), one
  WebhookService delivery worker in this process (10 attempts at once, as the server runs it),
  a threading HTTP receiver on loopback answering 200 (a new connection per request); the figure is
  N divided by the time from starting the worker to the last delivery recorded as delivered;
- task end -> delivery: `openwebrun serve` in a subprocess, the scripted LLM answering `done` at once,
  one `POST /start/run-task` after another with a `just_ping` webhook to the loopback receiver; the
  figure is the receiver's arrival time minus the task's `completedAt` (the moment the task ended,
  before the store recorder and the outbox saw it).

Usage: python bench/webhooks.py [--deliveries 500] [--tasks 20]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from openwebrun.browser.reach import Reach  # noqa: E402
from openwebrun.domain.ids import new_id  # noqa: E402
from openwebrun.domain.models import Session, Task, TaskSpec  # noqa: E402
from openwebrun.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookEvent  # noqa: E402
from openwebrun.runtime.events import EventHub  # noqa: E402
from openwebrun.services.webhooks import WebhookService  # noqa: E402
from openwebrun.store.db import Database  # noqa: E402
from openwebrun.store.migrate import upgrade  # noqa: E402
from openwebrun.store.repositories import Store  # noqa: E402
from tests.fakes.llm_server import ScriptedLLM  # noqa: E402
from tests.support.servers import ServerProcess  # noqa: E402
from tests.support.webhook_receiver import Receiver, webhook_receiver  # noqa: E402

DONE = {"thinking": "", "next_goal": "", "actions": [{"action": "done", "success": True, "result": "ok"}]}


async def throughput(receiver: Receiver, count: int) -> float:
    """Deliveries per second from a full outbox to the receiver."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade(url)
        db = Database(url)
        store = Store(db)
        account = await store.accounts.create("bench")
        session = Session(id=new_id(), account_id=account.id)
        await store.sessions.add(session)
        task = Task(id=new_id(), session_id=session.id, account_id=account.id, spec=TaskSpec("bench"))
        await store.tasks.add(task)
        for _ in range(count):
            await store.webhooks.add(WebhookDelivery(
                id=new_id(), task_id=task.id, session_id=session.id, account_id=account.id,
                event=WebhookEvent.COMPLETED, name="bench", url=f"{receiver.url}/throughput", kind="just_ping",
                payload=b'{"event":"task_completed"}', auth="Bearer bench"))
        finished = asyncio.Event()
        delivered = 0

        def counted(_delivery: WebhookDelivery, status: DeliveryStatus) -> None:
            nonlocal delivered
            delivered += status is DeliveryStatus.DELIVERED
            if delivered == count:
                finished.set()

        service = WebhookService(store, EventHub(), runtime=cast(Any, None), recorder=cast(Any, None),
                                 reach=Reach(allow_private=True), full_body=lambda _t: {})
        service.on_attempt = counted
        started = time.perf_counter()
        await service.start()
        await asyncio.wait_for(finished.wait(), 600)
        elapsed = time.perf_counter() - started
        await service.close()
        await db.close()
        return count / elapsed


def end_to_delivery(receiver: Receiver, tasks: int) -> list[float]:
    """Milliseconds from each task's completedAt to its webhook's arrival."""
    llm = ScriptedLLM().start()
    latencies: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = ServerProcess(Path(tmp), {
                "OPENWEBRUN_MODEL": "scripted-model", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x",
                "OPENWEBRUN_LLM_MAX_RETRIES": "0", "OPENWEBRUN_WAIT_WINDOW_S": "30",
                "OPENWEBRUN_WEBHOOK_ALLOW_PRIVATE": "true"}).start()
            try:
                with server.client() as api:
                    for n in range(tasks):
                        tag = llm.script(f"hook{n}", [DONE])
                        path = f"/latency/{n}"
                        body = api.post("/start/run-task", json={"taskDetails": f"finish {tag}", "webhook": {
                            "name": "bench", "url": f"{receiver.url}{path}", "submittedData": "just_ping"}}).json()
                        [got] = [r for r in receiver.wait_for(lambda rs, p=path: any(r.path == p for r in rs))
                                 if r.path == path]
                        ended = datetime.fromisoformat(body["completedAt"].replace("Z", "+00:00")).timestamp()
                        latencies.append((got.at - ended) * 1000)
            finally:
                server.stop()
    finally:
        llm.stop()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()
    with webhook_receiver() as receiver:
        rate = asyncio.run(throughput(receiver, args.deliveries))
        latencies = end_to_delivery(receiver, args.tasks)
    print("openwebrun webhook benchmark\n")
    print(f"{'outbox -> loopback receiver':<36} {rate:8.0f} deliveries/s  ({args.deliveries} deliveries)")
    print(f"{'task end -> delivery':<36} p50 {statistics.median(latencies):6.1f} ms   "
          f"p95 {pct(latencies, 95):6.1f} ms   ({len(latencies)} tasks)")


if __name__ == "__main__":
    main()
