"""Network namespaces made by a test: hosts of their own, joined to this machine by veth pairs.

`namespace()` is one host on a point-to-point link; `network()` is several hosts on a Linux bridge
(a LAN) whose root-namespace side has an address too. Traffic goes over the pairs and the bridge
only, never through the machine's outside address. Needs root and `ip` (iproute2).
"""
from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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


    def run(self, *argv: str) -> list[str]:
        """`argv` as a command run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, timeout=15, text=True).stdout


_made = itertools.count()


def _tag() -> str:
    """A name part unique on this machine among live test processes (interface names stay under 16 chars)."""
    return f"{os.getpid()}{next(_made)}"


def _join(ns: Namespace, host_end: str, ns_end: str, prefix: int) -> None:
    """Move `ns_end` into the namespace and give it the namespace's address."""
    _ip("link", "set", ns_end, "netns", ns.name)
    _ip("netns", "exec", ns.name, "ip", "addr", "add", f"{ns.address}/{prefix}", "dev", ns_end)
    _ip("netns", "exec", ns.name, "ip", "link", "set", ns_end, "up")
    _ip("netns", "exec", ns.name, "ip", "link", "set", "lo", "up")
    _ip("link", "set", host_end, "up")


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
        _ip("addr", "add", f"{ns.host_address}/30", "dev", host_end)
        _join(ns, host_end, ns_end, 30)
        yield ns
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", host_end)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", ns.name)


@dataclass
class Network:
    bridge: str
    host_address: str  # the bridge's address in this machine's namespace
    hosts: dict[str, Namespace] = field(default_factory=dict)  # by the role given to `network()`


def _free_subnet() -> int:
    """A 10.214.N.0/24 that no interface here uses yet."""
    used = _ip("-o", "-4", "addr", "show")
    free = [n for n in range(1, 255) if f" 10.214.{n}." not in used]
    if not free:
        raise RuntimeError("no free 10.214.N.0/24 subnet for a test network")
    return random.choice(free)  # parallel test processes rarely pick the same one


@contextlib.contextmanager
def network(roles: Sequence[str]) -> Iterator[Network]:
    """One namespace per role on a fresh bridge in 10.214.N.0/24 (the bridge is .1, the roles .2 up).

    Everything made is removed on exit, also when making it failed half-way."""
    tag = _tag()
    subnet = _free_subnet()
    net = Network(f"owb{tag}", f"10.214.{subnet}.1")
    made_links: list[str] = []
    made_namespaces: list[str] = []
    try:
        _ip("link", "add", net.bridge, "type", "bridge")
        made_links.append(net.bridge)
        _ip("addr", "add", f"{net.host_address}/24", "dev", net.bridge)
        _ip("link", "set", net.bridge, "up")
        for i, role in enumerate(roles):
            ns = Namespace(f"owr{tag}-{i}", net.host_address, f"10.214.{subnet}.{i + 2}")
            host_end, ns_end = f"owv{tag}h{i}", f"owv{tag}n{i}"
            _ip("netns", "add", ns.name)
            made_namespaces.append(ns.name)
            _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            made_links.append(host_end)
            _ip("link", "set", host_end, "master", net.bridge)
            _join(ns, host_end, ns_end, 24)
            _ip("netns", "exec", ns.name, "ip", "route", "add", "default", "via", net.host_address)
            net.hosts[role] = ns
        yield net
    finally:
        for name in made_namespaces:  # takes its veth ends, and so their peers, along
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("netns", "del", name)
        for link in reversed(made_links):
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("link", "del", link)
