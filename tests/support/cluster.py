"""A cluster on one machine: a Ray head, `openwebrun worker`s and `openwebrun serve` API processes, all
real processes, sharing a fresh PostgreSQL database and a Redis channel prefix of their own.

On loopback by default; given a `netns.Network`, every node runs in a namespace of its own (roles
`head`, `worker-N`, `api-N`) and reaches PostgreSQL and Redis at the bridge's address, where the
caller forwards them (`tests.support.forward`). An API host then runs a Ray node of its own, as a
machine of its own would."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import asyncpg

from tests.support.netns import Network
from tests.support.servers import API_KEY, ServerProcess, alive, descendants, free_port

PG_ADMIN = os.environ.get("OPENWEBRUN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = "postgres@127.0.0.1:5432"
REDIS_URL = os.environ.get("OPENWEBRUN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_PORT, REDIS_PORT = 5432, 6379  # what a network's bridge must forward
START_TIMEOUT_S = 180.0


def ray_bin() -> str:
    return str(Path(sys.executable).parent / "ray")


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def stop_tree(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM a process, SIGKILL it if it lingers, and whatever it left behind."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
    for pid in descendants(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


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


class ProcessLog:
    """A child's output copied line by line to its log file; `wait_for` blocks until a line holds a
    text (an event: the line arriving), the process exits, or the timeout passes."""

    def __init__(self, proc: subprocess.Popen, log_path: Path):
        self.proc = proc
        self.log_path = log_path
        self._seen = threading.Condition()
        self._lines: list[str] = []
        self._ended = False
        threading.Thread(target=self._copy, daemon=True).start()

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        with open(self.log_path, "ab") as log:
            for raw in self.proc.stdout:
                log.write(raw)
                log.flush()
                with self._seen:
                    self._lines.append(raw.decode(errors="replace"))
                    self._seen.notify_all()
        with self._seen:
            self._ended = True
            self._seen.notify_all()

    def text(self) -> str:
        with self._seen:
            return "".join(self._lines)

    def wait_for(self, needle: str, timeout: float) -> None:
        def settled() -> bool:
            return self._ended or any(needle in line for line in self._lines)
        with self._seen:
            if not self._seen.wait_for(settled, timeout):
                raise RuntimeError(f"no {needle!r} within {timeout}s:\n{''.join(self._lines)[-6000:]}")
            if not any(needle in line for line in self._lines):
                raise RuntimeError(f"exited before {needle!r}:\n{''.join(self._lines)[-6000:]}")


class Worker:
    def __init__(self, proc: subprocess.Popen, log_path: Path):
        self.proc = proc
        self.output = ProcessLog(proc, log_path)

    def log(self) -> str:
        return self.output.text()

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        self.output.wait_for("ready on node", timeout)

    def stop(self, timeout: float = 60) -> None:
        stop_tree(self.proc, timeout)


class LocalCluster:
    def __init__(self, root: Path, env: dict[str, str], network: Network | None = None, redis_url: str = ""):
        """`redis_url`: where the nodes reach Redis (default: the machine's, at the services' address)."""
        self.root = root
        self.network = network
        self.name = "t" + uuid.uuid4().hex[:10]
        self.database = f"owr_{self.name}"
        self.ray_port = free_port()
        self.ray_dir = Path(f"/tmp/owr-ray-{self.name}")  # short: Ray's socket paths have a length limit
        self.data_dir = root / "data"
        services = network.host_address if network else "127.0.0.1"
        self.env = {**os.environ, **env,
                    "OPENWEBRUN_RAY_ADDRESS": f"{self.address('head')}:{self.ray_port}",
                    "OPENWEBRUN_DATABASE_URL":
                        f"postgresql+asyncpg://{PG_HOST.replace('127.0.0.1', services)}/{self.database}",
                    "OPENWEBRUN_REDIS_URL": redis_url or REDIS_URL.replace("127.0.0.1", services),
                    "OPENWEBRUN_CLUSTER_NAME": self.name,
                    "OPENWEBRUN_DATA_DIR": str(self.data_dir), "OPENWEBRUN_API_KEY": API_KEY,
                    "OPENWEBRUN_WORKER_WATCH_INTERVAL_S": "1", "RAY_USAGE_STATS_ENABLED": "0",
                    # the head notices a dead node within about 10 s (a busy test machine must not look dead)
                    "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "5",
                    "RAY_health_check_timeout_ms": "3000"}
        self.head: subprocess.Popen | None = None
        self.workers: list[Worker] = []
        self.apis: list[ServerProcess] = []
        self.api_nodes: list[subprocess.Popen] = []

    def address(self, role: str) -> str:
        """The address a node of this role has (its namespace's, or loopback)."""
        return self.network.hosts[role].address if self.network else "127.0.0.1"

    def inside(self, role: str, argv: list[str]) -> list[str]:
        """`argv` run on the node of this role."""
        return self.network.hosts[role].run(*argv) if self.network else argv

    def start(self) -> LocalCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(_pg(f'CREATE DATABASE "{self.database}"'))
        self.head = subprocess.Popen(self.inside("head", [
            ray_bin(), "start", "--head", "--block", f"--port={self.ray_port}",
            f"--node-ip-address={self.address('head')}", "--num-cpus=1", "--include-dashboard=false",
            "--disable-usage-stats", f"--temp-dir={self.ray_dir}"]),
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ProcessLog(self.head, self.root / "head.log").wait_for("Ray runtime started", START_TIMEOUT_S)
        return self

    def add_worker(self, slots: int) -> Worker:
        index = len(self.workers)
        path = self.root / f"worker{index}.log"
        role = f"worker-{index + 1}"
        ports = [] if self.network else own_ports()  # a host of its own has every port to itself
        proc = subprocess.Popen(self.inside(role, [
            sys.executable, "-m", "openwebrun.cli", "worker", f"--slots={slots}", f"--node-ip={self.address(role)}",
            "--num-cpus=1", f"--temp-dir={self.ray_dir}-w{index}", *ports]),
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        worker = Worker(proc, path)
        self.workers.append(worker)
        return worker

    def add_api(self) -> ServerProcess:
        """An API process: a Ray driver on its host's Ray node (on loopback, the head's; in a namespace,
        a node of its own without CPUs or browser slots, as in deploy/compose.yaml)."""
        index = len(self.apis)
        role = f"api-{index + 1}"
        env = {k: v for k, v in self.env.items() if k.startswith(("OPENWEBRUN_", "OPENAI_", "RAY_"))}
        if self.network:
            log = open(self.root / f"api{index}-node.log", "ab")
            self.api_nodes.append(subprocess.Popen(self.inside(role, [
                ray_bin(), "start", "--block", f"--address={self.address('head')}:{self.ray_port}",
                f"--node-ip-address={self.address(role)}", "--num-cpus=0", "--disable-usage-stats",
                f"--temp-dir={self.ray_dir}-a{index}"]),
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
            env["OPENWEBRUN_RAY_NODE_IP"] = self.address(role)  # this host's node, not another one ps shows
        server = ServerProcess(self.root / f"api{index}", env, host=self.address(role),
                               prefix=self.inside(role, []))
        server.env["OPENWEBRUN_DATA_DIR"] = str(self.data_dir)  # files are shared by every process
        self.apis.append(server.start(timeout=START_TIMEOUT_S))
        return server

    def worker_holding(self, session_id: str) -> Worker:
        """The worker whose host holds the session (from the cluster's session -> host map in PostgreSQL)."""
        async def host() -> str | None:
            conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{self.database}", timeout=10)
            try:
                return await conn.fetchval("SELECT host FROM session_hosts WHERE session_id = $1", session_id)
            finally:
                await conn.close()
        name = asyncio.run(host())
        assert name is not None, f"no worker holds session {session_id}"
        node_id = name.removeprefix("host-")
        return next(w for w in self.workers if f"ready on node {node_id}" in w.log())

    def close(self) -> None:
        for api in self.apis:
            with contextlib.suppress(Exception):
                api.stop()
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()
        for node in self.api_nodes:
            with contextlib.suppress(Exception):
                stop_tree(node)
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
        for path in Path("/tmp").glob(f"owr-ray-{self.name}*"):
            shutil.rmtree(path, ignore_errors=True)


__all__ = ["LocalCluster", "Worker", "alive", "kill_tree"]
