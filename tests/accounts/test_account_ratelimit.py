"""The cache-based fixed-window limiter and the client address it keys on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory

from tousu.common.errors import RateLimited
from tousu.common.ratelimit import client_ip, hit


def test_hit_counts_and_refuses_past_the_limit() -> None:
    assert [hit("t:a", limit=3, window=60) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as exc:
        hit("t:a", limit=3, window=60)
    assert exc.value.status_code == 429
    assert exc.value.code == "rate_limited"
    assert exc.value.details == {"retry_after_seconds": 60}
    assert hit("t:b", limit=3, window=60) == 1  # keys are independent


def test_hit_window_expires(time_machine: Any) -> None:
    time_machine.move_to("2025-06-01 12:00:00+08:00", tick=False)
    for _ in range(2):
        hit("t:w", limit=2, window=60)
    with pytest.raises(RateLimited):
        hit("t:w", limit=2, window=60)
    time_machine.shift(timedelta(seconds=61))
    assert hit("t:w", limit=2, window=60) == 1


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "", "203.0.113.5"),
        (0, "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # header ignored without proxies
        (1, "127.0.0.1", "198.51.100.7", "198.51.100.7"),
        (1, "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # forged left entry
        (2, "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_client_ip(settings: Any, hops: int, remote: str, forwarded: str, expected: str) -> None:
    settings.TOUSU = {**settings.TOUSU, "TRUSTED_PROXY_HOPS": hops}
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)
    assert client_ip(request) == expected
