"""Cluster mode is chosen by settings; without them the server stays one process and never loads Ray."""
from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, sdp

from openwebrun.cluster.worker import slots_from_memory
from openwebrun.domain.errors import Kind, Refused
from openwebrun.runtime.webrtc import PacketTrack, announce_address
from openwebrun.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os
    for name in list(os.environ):
        if name.startswith("OPENWEBRUN_"):
            monkeypatch.delenv(name)


def test_the_default_app_does_not_import_ray(tmp_path):
    code = ("import sys\n"
            "from openwebrun.api.app import create_app\n"
            "from openwebrun.settings import load_settings\n"
            "app = create_app(load_settings())\n"
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith(('ray.', 'openwebrun.cluster'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "OPENWEBRUN_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_cluster_mode_needs_postgresql_and_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENWEBRUN_RAY_ADDRESS", "10.0.0.1:6379")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "OPENWEBRUN_REDIS_URL" in str(refused.value) and "PostgreSQL" in str(refused.value)

    monkeypatch.setenv("OPENWEBRUN_REDIS_URL", "redis://10.0.0.2:6379/0")
    monkeypatch.setenv("OPENWEBRUN_DATABASE_URL", "postgresql+asyncpg://app@10.0.0.3/openwebrun")
    settings = load_settings()
    assert settings.cluster_mode and settings.cluster_name == "openwebrun"


def test_the_default_is_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    assert not load_settings().cluster_mode


def test_worker_slots_follow_memory():
    assert slots_from_memory(8 * 2**30) == (8 * 1024 - 1024) // 350
    assert slots_from_memory(512 * 2**20) == 1  # a small machine still holds one session


def test_a_refusal_crosses_processes_whole():
    refused = pickle.loads(pickle.dumps(Refused("SESSION_LIMIT_REACHED", "Terminate one first.", details={"limit": 2})))
    assert (refused.code, refused.message, refused.kind, refused.details) == (
        "SESSION_LIMIT_REACHED", "Terminate one first.", Kind.TOO_MANY, {"limit": 2})


def test_the_media_address_must_be_an_ip_address(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENWEBRUN_MEDIA_ADDRESS", "worker.example.org")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "media_address" in str(refused.value).lower()
    monkeypatch.setenv("OPENWEBRUN_MEDIA_ADDRESS", " 203.0.113.7 ")
    assert load_settings().media_address == "203.0.113.7"


async def test_host_candidates_announce_the_media_address_on_the_same_ports():
    viewer, peer = RTCPeerConnection(), RTCPeerConnection()
    try:
        viewer.addTransceiver("video", direction="recvonly")
        await viewer.setLocalDescription(await viewer.createOffer())
        peer.addTransceiver(PacketTrack(), direction="sendonly")
        await peer.setRemoteDescription(viewer.localDescription)
        await peer.setLocalDescription(await peer.createAnswer())
        local = peer.localDescription.sdp
        announced = announce_address(local, "203.0.113.7")

        def hosts(text: str) -> list[tuple[str, int]]:
            return [(c.ip, c.port) for m in sdp.SessionDescription.parse(text).media
                    for c in m.ice_candidates if c.type == "host"]
        assert hosts(local) and {ip for ip, _ in hosts(announced)} == {"203.0.113.7"}
        assert [port for _, port in hosts(announced)] == [port for _, port in hosts(local)]
        await viewer.setRemoteDescription(RTCSessionDescription(sdp=announced, type="answer"))  # a valid answer
    finally:
        await viewer.close()
        await peer.close()
