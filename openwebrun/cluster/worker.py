"""`openwebrun worker`: join this machine to the Ray cluster and host sessions on it.

It starts a Ray node (`ray start --address ... --block`) offering `slots` browser slots (and one
resource only this worker has, by which it finds its node), then places its session host actor on
that node. With `--attach` it uses the Ray node already running on this machine (KubeRay starts it).
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
from openwebrun.settings import Settings, SettingsError

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
    if address.startswith("ray://"):
        raise SettingsError("OPENWEBRUN_RAY_ADDRESS: a worker joins the cluster through the head's GCS address "
                            "(head:6379), not a Ray Client address (ray://...)")
    return address


def run_worker(settings: Settings, slots: int | None = None, node_ip: str | None = None, num_cpus: int | None = None,
               temp_dir: str | None = None, ray_args: list[str] | None = None, attach: bool = False) -> int:
    """Start (or, with `attach`, use) this machine's Ray node, host sessions on it until SIGTERM/SIGINT."""
    import ray

    settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})  # the actor's cwd is Ray's
    node: subprocess.Popen | None = None
    try:
        if attach:  # the node was started by someone else (KubeRay), with its browser_slot resource
            ray.init(address="auto", namespace=settings.cluster_name, log_to_driver=True, logging_level=logging.WARNING)
            node_id = ray.get_runtime_context().get_node_id()
            offered = int(_node(ray, node_id)["Resources"].get(names.SLOT, 0))
            if offered < 1:
                raise SettingsError(f"this Ray node offers no {names.SLOT}: start it with "
                                    f"--resources='{{\"{names.SLOT}\": N}}'")
            slots = offered
        else:
            gcs = gcs_address(settings.ray_address or "")
            node_ip = node_ip or settings.ray_node_ip
            slots = slots or settings.worker_slots or slots_from_memory()
            worker_id = uuid.uuid4().hex[:16]
            node = start_node(settings, slots, worker_id, node_ip, num_cpus, temp_dir, ray_args or [])
            ray.init(address=gcs, namespace=settings.cluster_name, log_to_driver=True, logging_level=logging.WARNING,
                     _node_ip_address=node_ip)  # this machine's own node, where one host runs several
            node_id = _wait_for_node(ray, worker_id, node)
        host = _place_host(ray, settings, slots, node_id)
        info: dict[str, Any] = ray.get(host.start.remote(), timeout=HOST_START_TIMEOUT_S)
        print(f"openwebrun worker ready on node {info['id']} ({info['address']}) with {slots} slots", flush=True)
        if _wait_for_stop(node):
            ray.get(host.stop.remote(), timeout=60)
        return 0
    finally:
        if ray.is_initialized():
            ray.shutdown()
        if node is not None and node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()


def _place_host(ray, settings: Settings, slots: int, node_id: str) -> Any:
    """The session host actor, on this worker's node and nowhere else, owned by this process."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from openwebrun.cluster.host import SessionHost

    address = _node(ray, node_id)["NodeManagerAddress"]
    actor = ray.remote(SessionHost).options(
        name=names.host_name(node_id), namespace=settings.cluster_name, num_cpus=0, max_concurrency=1000,
        max_restarts=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False))
    return actor.remote(settings, slots, node_id, address)


def _wait_for_stop(node: subprocess.Popen | None) -> bool:
    """Until SIGTERM/SIGINT (True: close the host's sessions) or until our Ray node ended (False)."""
    stopping = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    async def wait() -> bool:
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(stopping.wait())]
        if node is not None:
            waits.append(asyncio.ensure_future(asyncio.to_thread(node.wait)))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        waits[0].cancel()
        return stopping.is_set()

    try:
        return loop.run_until_complete(wait())
    finally:
        loop.close()


def _node(ray, node_id: str) -> dict[str, Any]:
    return next(n for n in ray.nodes() if n["NodeID"] == node_id)


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
