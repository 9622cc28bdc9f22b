"""Which local addresses a peer connection offers as ICE host candidates: chosen per gathering, so
one server's (or one test's) choice never leaks into another peer of the same process."""
from __future__ import annotations

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection, sdp

from openwebrun.runtime.webrtc import gathering_on


async def host_candidates(addresses: tuple[str, ...] | None) -> set[str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        if addresses is None:
            await pc.setLocalDescription(await pc.createOffer())
        else:
            with gathering_on(addresses):
                await pc.setLocalDescription(await pc.createOffer())
        return {c.ip for m in sdp.SessionDescription.parse(pc.localDescription.sdp).media
                for c in m.ice_candidates if c.type == "host"}
    finally:
        await pc.close()


async def test_a_gathering_offers_only_its_chosen_addresses_and_leaves_the_others_alone():
    chosen, every = await asyncio.gather(host_candidates(("127.0.0.1",)), host_candidates(None))
    assert chosen == {"127.0.0.1"}
    assert every and "127.0.0.1" not in every  # aioice's own choice: every interface but loopback
    assert await host_candidates(None) == every  # nothing stays restricted after the block


async def test_no_chosen_address_means_every_interface():
    assert await host_candidates(()) == await host_candidates(None)
