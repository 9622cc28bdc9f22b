"""Milliseconds per bare Ray actor call: the session host's `ping` (nothing to do), called from a
driver on this machine's Ray node. Run by bench/cluster.py on the API process's host (its namespace)
as the floor under a cluster command; prints one figure per line.

Usage: python bench/ray_call.py ADDRESS NAMESPACE HOST_ACTOR NODE_IP|"" CALLS
"""
from __future__ import annotations

import sys
import time

import ray


def main() -> None:
    address, namespace, host_name, node_ip, calls = sys.argv[1:6]
    ray.init(address=address, namespace=namespace, log_to_driver=False, _node_ip_address=node_ip or None)
    try:
        host = ray.get_actor(host_name, namespace)
        ray.get(host.ping.remote(), timeout=30)
        for _ in range(int(calls)):
            started = time.perf_counter()
            ray.get(host.ping.remote(), timeout=30)
            print((time.perf_counter() - started) * 1000)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
