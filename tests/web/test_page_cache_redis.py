"""The page cache and the read limits with ``REDIS_URL`` (ADR 0034), on a real Redis server
(skipped without one: ``TOUSU_TEST_REDIS_URL``, default redis://127.0.0.1:6379/10 plus the
xdist worker's number). Each test uses key prefixes of its own and never empties the database.

Pages live in Redis, shared by the workers, with each worker's own copies in front
(``pages-local``): a page another worker rendered is a hit here, and a worker's copy older than
the shared one is replaced by it, never served."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from test_public_helpers import accepted, file

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.pagecache import cache as page_cache


def _redis_url() -> str:
    base = os.environ.get("TOUSU_TEST_REDIS_URL") or "redis://127.0.0.1:6379/10"
    server, db = base.rsplit("/", 1)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{server}/{(int(db) + worker) % 16}"


REDIS_URL = _redis_url()


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not _redis_reachable(), reason=f"no Redis server at {REDIS_URL} (TOUSU_TEST_REDIS_URL)"
    ),
]

OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _redis_caches(settings: Any) -> None:
    """The caches ``REDIS_URL`` configures (tousu.settings), under prefixes of this test."""
    prefix = uuid.uuid4().hex[:12]
    redis = "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {
        "default": {"BACKEND": redis, "LOCATION": REDIS_URL, "KEY_PREFIX": f"t{prefix}"},
        "pages": {"BACKEND": redis, "LOCATION": REDIS_URL, "KEY_PREFIX": f"p{prefix}"},
        "pages-local": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"local-{prefix}",
        },
    }
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": True}


@pytest.fixture
def public(
    consumer: User,
    company: Company,
    merchant: User,
    moderator: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> Complaint:
    with django_capture_on_commit_callbacks(execute=True):
        return accepted(file(consumer, company), moderator)


def get(url: str) -> Any:
    resp = Client().get(url)
    assert resp.status_code == 200, url
    return resp


def text(resp: Any) -> str:
    """The page, or the API's JSON with its Chinese unescaped."""
    return (
        str(resp.json())
        if resp["Content-Type"].startswith("application/json")
        else (resp.content.decode())
    )


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_page_another_worker_rendered_is_a_hit_and_a_stale_local_copy_is_replaced(
    kind: str,
    public: Complaint,
    merchant: User,
    django_capture_on_commit_callbacks: OnCommit,
    django_assert_num_queries: Any,
) -> None:
    url = (
        f"/complaints/{public.public_number}/"
        if kind == "page"
        else f"/api/v1/complaints/{public.public_number}"
    )
    local = caches[page_cache.LOCAL_ALIAS]
    assert get(url)["X-Page-Cache"] == "miss"
    (key,) = [k.split(":", 2)[2] for k in local._cache]  # type: ignore[attr-defined]
    old = local.get(key)
    assert caches[page_cache.CACHE_ALIAS].get(key) == old  # kept in Redis too
    # another worker: nothing of its own, the shared copy is a hit (the versions, 1 query)
    local.clear()
    with django_assert_num_queries(1):
        assert get(url)["X-Page-Cache"] == "hit"
    assert local.get(key) == old  # copied
    # a change: the next request renders, and stores the new page in both
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(complaint_id=public.pk, actor=merchant, message="已联系骑手核实")
    assert get(url)["X-Page-Cache"] == "miss"
    # a worker still holding the old copy: never served; the shared new one is
    local.set(key, old)
    resp = get(url)
    assert resp["X-Page-Cache"] == "hit" and "已联系骑手核实" in text(resp)
    assert local.get(key) != old


def test_a_stale_copy_everywhere_is_rendered_again(
    public: Complaint, merchant: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    url = f"/api/v1/complaints/{public.public_number}"
    get(url)
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(complaint_id=public.pk, actor=merchant, message="第二次回复")
    resp = get(url)
    assert resp["X-Page-Cache"] == "miss" and "第二次回复" in text(resp)


def test_read_limits_count_in_redis(public: Complaint, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "API_READ_PER_MINUTE_ANON": 3}
    url = f"/api/v1/complaints/{public.public_number}"
    assert [get(url)["X-RateLimit-Remaining"] for _ in range(3)] == ["2", "1", "0"]
    refused = Client().get(url)
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    # one counter, under the key the cache API reads, expiring with its window
    store = caches["default"]
    assert store.get("rl:api:ip:127.0.0.1") == 4
    client = store._cache.get_client(write=False)  # type: ignore[attr-defined]
    key = store.make_and_validate_key("rl:api:ip:127.0.0.1")
    assert 0 < client.ttl(key) <= 60
