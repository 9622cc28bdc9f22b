"""Retry-After parsing (the retry loop itself runs over HTTP in the provider tests)."""
from __future__ import annotations

import email.utils
import time

from openwebrun.agent.llm.retry import backoff_delay, retry_after


def test_retry_after_in_seconds_milliseconds_and_as_a_date():
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "3"}) == 0.25
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= retry_after({"retry-after": in_ten}) <= 10
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None and retry_after(None) is None


def test_backoff_grows_and_is_capped():
    assert 0.4 <= backoff_delay(0, 0.5) <= 0.6
    assert 1.6 <= backoff_delay(2, 0.5) <= 2.4
    assert backoff_delay(20, 0.5) <= 8 * 1.2
