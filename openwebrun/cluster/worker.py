"""`openwebrun worker`: join this machine to the Ray cluster and host sessions on it.

It starts a Ray node (`ray start --address ... --block`) offering `slots` browser slots and one
resource that only this worker has, then places its session host actor there through that resource.
The host opens the shared database, Chromium and Redis; the command waits until it is told to stop
(SIGTERM/SIGINT), closes every session and leaves the cluster.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from openwebrun.cluster import names
from openwebrun.settings import Settings

log = logging.getLogger(__name__)
SESSION_MIB = 350  # a live session's share: its browser context, renderer and agent
RESERVED_MIB = 1024  # the worker itself, Ray's processes and Chromium's browser process
JOIN_TIMEOUT_S = 60.0
HOST_START_TIMEOUT_S = 120.0


def slots_from_memory(total_bytes: int | None = None) -> int:
    """How many sessions fit in this machine's memory (at least one)."""
    if total_bytes is None:
        total_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(1, (total_bytes // 2**20 - RESERVED_MIB) // SESSION_MIB)


def ray_command() -> str:
    beside = Path(sys.executable).parent / "ray"
    return str(beside) if beside.exists() else (shutil.which("ray") or "ray")


def start_node(settings: Settings, slots: int, worker_id: str, node_ip: str | None, num_cpus: int | None,
               temp_dir: str | None, ray_args: list[str]) -> subprocess.Popen:
    """This machine's Ray node, joined to the cluster; ends with this process (it is our child)."""
    resources = {names.SLOT: slots, names.worker_resource(worker_id): 1}
    args = [ray_command(), "start", "--block", f"--address={gcs_address(settings.ray_address or '')}",
            f"--resources={json.dumps(resources)}", "--disable-usage-stats"]
    if node_ip:
        args.append(f"--node-ip-address={node_ip}")
    if num_cpus is not None:
        args.append(f"--num-cpus={num_cpus}")
    if temp_dir:
        args.append(f"--temp-dir={temp_dir}")
    return_args = args + ray_args  # e.g. fixed ports, for firewalls or several nodes on one host
    return subprocess.Popen(return_args, stdin=subprocess.DEVNULL)


def gcs_address(address: str) -> str:
    """`ray start --address` takes the head's GCS address (host:port), never a ray:// client address."""
    return address.removeprefix("ray://") if address.startswith("ray://") else address


def run_worker(settings: Settings, slots: int | None = None, node_ip: str | None = None, num_cpus: int | None = None,
               temp_dir: str | None = None, ray_args: list[str] | None = None) -> int:
    import ray

    from openwebrun.cluster.host import SessionHost

    slots = slots or settings.worker_slots or slots_from_memory()
    settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})  # the actor's cwd is Ray's
    worker_id = uuid.uuid4().hex[:16]
    node = start_node(settings, slots, worker_id, node_ip, num_cpus, temp_dir, ray_args or [])
    stopping = asyncio.Event()
    try:
        ray.init(address=gcs_address(settings.ray_address or ""), namespace=settings.cluster_name,
                 log_to_driver=True, logging_level=logging.WARNING)
        node_id = _wait_for_node(ray, worker_id, node)
        address = next(n["NodeManagerAddress"] for n in ray.nodes() if n["NodeID"] == node_id)
        actor = ray.remote(SessionHost).options(
            name=names.host_name(worker_id), namespace=settings.cluster_name, num_cpus=0,
            resources={names.worker_resource(worker_id): 1}, max_concurrency=1000, max_restarts=0)
        host: Any = actor.remote(settings, slots, worker_id, node_id, address)
        info: dict[str, Any] = ray.get(host.start.remote(), timeout=HOST_START_TIMEOUT_S)
        print(f"openwebrun worker {worker_id} ready on node {info['id']} ({info['address']}) with {slots} slots",
              flush=True)

        loop = asyncio.new_event_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)

        async def serve() -> None:
            waiting = asyncio.ensure_future(stopping.wait())
            node_ended = asyncio.ensure_future(asyncio.to_thread(node.wait))
            await asyncio.wait([waiting, node_ended], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()

        loop.run_until_complete(serve())
        loop.close()
        if node.poll() is None:
            ray.get(host.stop.remote(), timeout=60)
        return 0
    finally:
        if ray.is_initialized():
            ray.shutdown()
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()


def _wait_for_node(ray, worker_id: str, node: subprocess.Popen) -> str:
    """The id of the Ray node this worker started, once it has joined."""
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    while time.monotonic() < deadline:
        if node.poll() is not None:
            raise RuntimeError(f"the Ray node ended (exit code {node.returncode}) before joining the cluster")
        for n in ray.nodes():
            if n.get("Alive") and names.worker_resource(worker_id) in n.get("Resources", {}):
                return n["NodeID"]
        time.sleep(0.5)  # the node registers with the head: nothing to wait on but the head's table
    raise RuntimeError(f"the Ray node did not join the cluster within {JOIN_TIMEOUT_S:.0f} s")
