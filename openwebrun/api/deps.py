"""Request dependencies: the service container and the authenticated account."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openwebrun.domain.errors import Kind, Refused
from openwebrun.domain.models import Account
from openwebrun.runtime.events import EventHub

if TYPE_CHECKING:
    from openwebrun.api.rate_limits import RateLimiter
from openwebrun.runtime.door import Runtime
from openwebrun.services.auth import AuthService
from openwebrun.services.environments import EnvironmentService
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
    runtime: Runtime
    files: FileService
    hub: EventHub
    links: Links
    webhooks: WebhookService
    limiter: RateLimiter
    environments: EnvironmentService
    environment_links: Links  # signed archive links, one hour
    proxies: ProxyService
    policies: PolicyService


def services(request: Request) -> Services:
    return request.app.state.services


# Declares the key in the OpenAPI document; the header itself is checked by AuthService.
bearer = HTTPBearer(auto_error=False, scheme_name="apiKey", description="`Authorization: Bearer <API key>`")


async def account(request: Request, _declared: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Account:
    return await services(request).auth.authenticate(request.headers.get("authorization"))


def allowed(who: Account, scope: str) -> None:
    """403 MISSING_PERMISSION unless the request's key has `scope` (or admin)."""
    if "admin" not in who.scopes and scope not in who.scopes:
        raise Refused("MISSING_PERMISSION", f"API key missing required permission: {scope}", Kind.FORBIDDEN)


async def creator(who: Account = Depends(account)) -> Account:
    """The caller, whose key may start sessions and tasks (scope task:create)."""
    allowed(who, "task:create")
    return who


async def reader(who: Account = Depends(account)) -> Account:
    """The caller, whose key may read (scope read)."""
    allowed(who, "read")
    return who


async def administrator(who: Account = Depends(account)) -> Account:
    """The caller, whose key may manage accounts and keys (scope admin)."""
    allowed(who, "admin")
    return who
