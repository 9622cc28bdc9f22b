"""Webhook deliveries: what is sent, how it is signed, when a failed attempt is tried again. No I/O."""
from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from openwebrun.domain.models import utcnow

SIGNATURE_PREFIX = "sha256="


class WebhookEvent(str, Enum):
    COMPLETED = "task_completed"
    FAILED = "task_failed"
    GUARDRAIL = "guardrail_trigger"


class DeliveryStatus(str, Enum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by the delivery worker
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed


@dataclass
class WebhookDelivery:
    """One event of one task on its way to the caller's URL; `auth` is a credential, never shown."""

    id: str
    task_id: str
    session_id: str
    account_id: str
    event: WebhookEvent
    name: str
    url: str
    kind: str  # ai_response | full_response | just_ping
    payload: bytes
    auth: str | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_at: datetime | None = field(default_factory=utcnow)
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    delivered_at: datetime | None = None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` with the account's webhook secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def retry_delay_s(attempts_made: int, base_s: float, jitter: float = 0.2, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts_made` failed ones: base * 2^(n-1), +-jitter.

    With base 20 s and 6 attempts the retries come after about 20, 40, 80, 160 and 320 s (about 10 minutes).
    """
    delay = base_s * 2 ** max(attempts_made - 1, 0)
    spread = (rng or random).uniform(-jitter, jitter)
    return max(delay * (1 + spread), 0.0)
