"""Fixtures for the accounts tests: a clean cache and a memory sender per test."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tousu.engagement.senders import MemorySender

MEMORY_SENDER = "tousu.engagement.senders.MemorySender"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    """Messages sent while the test runs: ``(channel, target, body)``."""
    settings.TOUSU = {**settings.TOUSU, "MESSAGE_SENDER": MEMORY_SENDER}
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def code_sent_to(outbox: list[tuple[str, str, str]]) -> Callable[[str], str]:
    """The code in the last message sent to a normalized phone or e-mail."""

    def find(target: str) -> str:
        bodies = [body for _channel, to, body in outbox if to == target]
        assert bodies, f"nothing was sent to {target}: {outbox}"
        match = re.search(r"验证码是 (\d{6})", bodies[-1])
        assert match, bodies[-1]
        return match.group(1)

    return find


class Api:
    """A JSON client for /api/v1 that keeps its session cookie."""

    def __init__(self, **defaults: Any) -> None:
        self.client = Client(**defaults)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.client.post(
            "/api/v1" + path, data=data or {}, content_type="application/json", **extra
        )

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get("/api/v1" + path, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self.client.delete("/api/v1" + path, **extra)


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def new_api() -> Callable[..., Api]:
    return Api
