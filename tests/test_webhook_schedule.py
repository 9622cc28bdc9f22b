"""Webhook signing and the retry schedule (domain/webhooks.py)."""
from __future__ import annotations

import hashlib
import hmac
import random

from openwebrun.domain.webhooks import retry_delay_s, signature


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"event":"task_completed"}'
    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_abc", "1700000000", body) == "sha256=" + expected
    assert signature("whsec_abc", "1700000001", body) != signature("whsec_abc", "1700000000", body)


def test_six_attempts_span_about_ten_minutes_with_jitter():
    rng = random.Random(7)
    for _ in range(200):
        gaps = [retry_delay_s(made, 20.0, rng=rng) for made in range(1, 6)]  # after attempts 1..5
        assert all(0.8 * 20 * 2 ** i <= gap <= 1.2 * 20 * 2 ** i for i, gap in enumerate(gaps))
        assert 8 * 60 <= sum(gaps) <= 12.5 * 60
    spread = {round(retry_delay_s(1, 20.0, rng=rng), 3) for _ in range(50)}
    assert len(spread) > 40  # jittered: receivers that failed together are not retried together
