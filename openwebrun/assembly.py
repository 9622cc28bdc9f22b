"""The session side of the object graph, built the same way by the server and by a cluster worker:
Chromium pool, the runtime that runs sessions in it, and the services that follow its events
(store recorder, billing, webhook outbox)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from openwebrun.agent.llm.factory import build_llm
from openwebrun.agent.loop import Agent
from openwebrun.api.presenters import task_body
from openwebrun.browser.launch import find_chromium
from openwebrun.browser.pool import BrowserPool
from openwebrun.browser.reach import Reach
from openwebrun.domain.models import Task
from openwebrun.domain.pricing import Rates
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.sessions import SessionRuntime, ViewOptions
from openwebrun.runtime.webrtc import WhepPeers, ice_servers
from openwebrun.services.billing import BillingService
from openwebrun.services.files import FileService
from openwebrun.services.links import Links
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.webhooks import WebhookPolicy, WebhookService
from openwebrun.settings import Settings
from openwebrun.store.repositories import Store

log = logging.getLogger("openwebrun")


def build_pool(settings: Settings, max_sessions: int) -> BrowserPool:
    return BrowserPool(find_chromium(settings.chromium_path), headless=settings.headless,
                       contexts_per_browser=settings.sessions_per_browser, max_contexts=max_sessions,
                       reach=Reach(allow_private=settings.allow_private_networks(default=False)))


def build_runtime(settings: Settings, pool: BrowserPool, hub: EventHub, max_sessions: int) -> SessionRuntime:
    llm = build_llm(settings)
    if llm is None:
        log.warning("no LLM configured: tasks will fail with LLM_NOT_CONFIGURED (set OPENWEBRUN_MODEL)")

    def agent_for(t: Task) -> Agent:
        return Agent(llm, prices=settings.prices, max_steps=settings.max_steps, vision=settings.vision,
                     task_id=t.id, step_screenshots=settings.step_screenshots == "on")

    return SessionRuntime(pool, hub=hub, max_sessions=max_sessions, agent_factory=agent_for,
                          downloads_root=settings.data_dir / "downloads",
                          navigation_timeout_ms=settings.navigation_timeout_ms,
                          human_timeout_s=settings.guardrail_timeout_s,
                          view=ViewOptions(settings.live_view_max_fps, settings.live_view_quality,
                                           WhepPeers(ice_servers(settings.webrtc_ice_servers),
                                                     media_address=settings.media_address,
                                                     host_addresses=settings.webrtc_host_address_list)),
                          rates=Rates(settings.compute_price_per_minute, settings.proxy_price_per_gb))


@dataclass
class Followers:
    """The services that follow a runtime's events: each must run in exactly one process per event."""

    recorder: StoreRecorder
    billing: BillingService
    webhooks: WebhookService

    async def start(self) -> None:
        self.recorder.start()
        self.billing.start()
        await self.webhooks.start()

    async def close(self) -> None:
        await self.recorder.close()
        await self.billing.close()
        await self.webhooks.close()


def build_followers(settings: Settings, store: Store, files: FileService, runtime: SessionRuntime,
                    hub: EventHub, links: Links) -> Followers:
    recorder = StoreRecorder(store, files, hub)
    billing = BillingService(store, runtime, hub)
    webhooks = WebhookService(
        store, hub, runtime, recorder, Reach(allow_private=settings.webhook_allow_private),
        full_body=lambda t: task_body(t, links, start_call=False),
        policy=WebhookPolicy(attempts=settings.webhook_attempts, retry_base_s=settings.webhook_retry_base_s,
                             timeout_s=settings.webhook_timeout_s))
    return Followers(recorder, billing, webhooks)
