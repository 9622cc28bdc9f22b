"""Request dependencies: the service container and the authenticated account."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openwebrun.domain.models import Account
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.sessions import SessionRuntime
from openwebrun.services.auth import AuthService
from openwebrun.services.files import FileService
from openwebrun.services.links import Links
from openwebrun.services.policies import PolicyService
from openwebrun.services.proxies import ProxyService
from openwebrun.services.sessions import SessionService
from openwebrun.services.tasks import TaskService
from openwebrun.services.webhooks import WebhookService
from openwebrun.settings import Settings


@dataclass
class Services:
    settings: Settings
    auth: AuthService
    sessions: SessionService
    tasks: TaskService
    runtime: SessionRuntime
    files: FileService
    hub: EventHub
    links: Links
    webhooks: WebhookService
    proxies: ProxyService
    policies: PolicyService


def services(request: Request) -> Services:
    return request.app.state.services


# Declares the key in the OpenAPI document; the header itself is checked by AuthService.
bearer = HTTPBearer(auto_error=False, scheme_name="apiKey", description="`Authorization: Bearer <API key>`")


async def account(request: Request, _declared: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Account:
    return await services(request).auth.authenticate(request.headers.get("authorization"))
