"""A cluster on loopback: a Ray head, `openwebrun worker`s and `openwebrun serve` API processes, all
real processes, sharing a fresh PostgreSQL database and a Redis key prefix of their own."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import redis

from tests.support.servers import API_KEY, ServerProcess, alive, descendants, free_port

PG_ADMIN = os.environ.get("OPENWEBRUN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = "postgres@127.0.0.1:5432"
REDIS_URL = os.environ.get("OPENWEBRUN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START_TIMEOUT_S = 180.0


def ray_bin() -> str:
    return str(Path(sys.executable).parent / "ray")


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a process and everything below it, as a machine that loses power."""
    for pid in descendants(proc.pid) | {proc.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


def own_ports() -> list[str]:
    """`ray start` arguments that give a node on this host ports of its own (defaults would clash)."""
    names = ("node-manager-port", "object-manager-port", "metrics-export-port", "dashboard-agent-listen-port",
             "dashboard-agent-grpc-port", "runtime-env-agent-port")
    first = free_port()
    return [f"--ray-arg=--{name}={free_port()}" for name in names] + [
        f"--ray-arg=--min-worker-port={first + 1000}", f"--ray-arg=--max-worker-port={first + 1100}"]


class Worker:
    def __init__(self, proc: subprocess.Popen, log_path: Path):
        self.proc = proc
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready on node" in self.log():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()[-6000:]}")
            time.sleep(0.3)
        raise RuntimeError(f"worker did not come up:\n{self.log()[-6000:]}")

    def stop(self, timeout: float = 60) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_tree(self.proc)
        for pid in descendants(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class LocalCluster:
    def __init__(self, root: Path, env: dict[str, str]):
        self.root = root
        self.name = "t" + uuid.uuid4().hex[:10]
        self.database = f"owr_{self.name}"
        self.ray_port = free_port()
        self.ray_dir = Path(f"/tmp/owr-ray-{self.name}")  # short: Ray's socket paths have a length limit
        self.data_dir = root / "data"
        self.env = {**os.environ, **env,
                    "OPENWEBRUN_RAY_ADDRESS": f"127.0.0.1:{self.ray_port}",
                    "OPENWEBRUN_DATABASE_URL": f"postgresql+asyncpg://{PG_HOST}/{self.database}",
                    "OPENWEBRUN_REDIS_URL": REDIS_URL, "OPENWEBRUN_CLUSTER_NAME": self.name,
                    "OPENWEBRUN_DATA_DIR": str(self.data_dir), "OPENWEBRUN_API_KEY": API_KEY,
                    "OPENWEBRUN_WORKER_WATCH_INTERVAL_S": "1", "RAY_USAGE_STATS_ENABLED": "0",
                    # the head notices a dead node within about 10 s (a busy test machine must not look dead)
                    "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "5",
                    "RAY_health_check_timeout_ms": "3000"}
        self.head: subprocess.Popen | None = None
        self.workers: list[Worker] = []
        self.apis: list[ServerProcess] = []

    def start(self) -> LocalCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(_pg(f'CREATE DATABASE "{self.database}"'))
        log = open(self.root / "head.log", "ab")
        self.head = subprocess.Popen(
            [ray_bin(), "start", "--head", "--block", f"--port={self.ray_port}", "--node-ip-address=127.0.0.1",
             "--num-cpus=1", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={self.ray_dir}"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait_port(self.ray_port)
        return self

    def _wait_port(self, port: int, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.head is not None
            if self.head.poll() is not None:
                raise RuntimeError((self.root / "head.log").read_text(errors="replace"))
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.3)
        raise RuntimeError("the Ray head did not come up")

    def add_worker(self, slots: int) -> Worker:
        path = self.root / f"worker{len(self.workers)}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "openwebrun.cli", "worker", f"--slots={slots}", "--node-ip=127.0.0.1",
             "--num-cpus=1", f"--temp-dir={self.ray_dir}-w{len(self.workers)}", *own_ports()],
            env=self.env, stdout=open(path, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        worker = Worker(proc, path)
        self.workers.append(worker)
        return worker

    def add_api(self) -> ServerProcess:
        """An API process: a Ray driver on this host's node (the head's), as on a machine with a Ray node."""
        server = ServerProcess(self.root / f"api{len(self.apis)}", {
            k: v for k, v in self.env.items() if k.startswith(("OPENWEBRUN_", "OPENAI_", "RAY_"))})
        server.env["OPENWEBRUN_DATA_DIR"] = str(self.data_dir)  # files are shared by every process
        self.apis.append(server.start(timeout=START_TIMEOUT_S))
        return server

    def worker_holding(self, session_id: str) -> Worker:
        """The worker whose host holds the session (from the cluster's session -> host map in Redis)."""
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        try:
            host = client.hget(f"{self.name}:session-hosts", session_id)
        finally:
            client.close()
        assert host is not None, f"no worker holds session {session_id}"
        node_id = host.decode().removeprefix("host-")
        return next(w for w in self.workers if f"ready on node {node_id}" in w.log())

    def close(self) -> None:
        for api in self.apis:
            with contextlib.suppress(Exception):
                api.stop()
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()
        if self.head is not None:
            self.head.send_signal(signal.SIGTERM)
            try:
                self.head.wait(30)
            except subprocess.TimeoutExpired:
                kill_tree(self.head)
            for pid in descendants(self.head.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
            client.delete(f"{self.name}:session-hosts")
            client.close()
        for path in Path("/tmp").glob(f"owr-ray-{self.name}*"):
            shutil.rmtree(path, ignore_errors=True)


__all__ = ["LocalCluster", "Worker", "alive", "kill_tree"]
