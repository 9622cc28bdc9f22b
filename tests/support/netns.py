"""A network namespace made by a test: a host of its own, joined to this machine by a veth pair.

Traffic between the namespace and the host side goes over the pair only, never through the
machine's outside address. Needs root and `ip` (iproute2).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Namespace:
    name: str
    host_address: str  # this machine's end of the pair
    address: str  # the namespace's own address

    def wrapper(self, executable: str, directory: Path) -> str:
        """A script that runs `executable` inside the namespace (for launchers that take a path)."""
        script = directory / f"in-{self.name}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {executable} "$@"\n')
        script.chmod(0o755)
        return str(script)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=15)


def available() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    return None


@contextlib.contextmanager
def namespace(index: int = 0) -> Iterator[Namespace]:
    """A fresh namespace with its own address in 10.213.N.0/30 (N from this process and `index`)."""
    tag = f"{os.getpid() % 10000}{index}"
    subnet = (os.getpid() * 7 + index) % 250 + 1
    ns = Namespace(f"owr{tag}", f"10.213.{subnet}.1", f"10.213.{subnet}.2")
    host_end, ns_end = f"owh{tag}", f"own{tag}"
    _ip("netns", "add", ns.name)
    try:
        _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
        _ip("link", "set", ns_end, "netns", ns.name)
        _ip("addr", "add", f"{ns.host_address}/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("netns", "exec", ns.name, "ip", "addr", "add", f"{ns.address}/30", "dev", ns_end)
        _ip("netns", "exec", ns.name, "ip", "link", "set", ns_end, "up")
        _ip("netns", "exec", ns.name, "ip", "link", "set", "lo", "up")
        yield ns
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", host_end)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", ns.name)
