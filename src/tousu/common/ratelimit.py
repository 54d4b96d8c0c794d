"""Fixed-window rate limits on the Django cache (local memory or Redis), and the client address.

With the local-memory cache each worker process counts on its own; set ``REDIS_URL`` when more
than one process serves requests so that the limits are shared.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from .errors import RateLimited


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one hit of ``key``; raise ``RateLimited`` past ``limit`` hits per ``window`` s.
    The window starts at the first hit."""
    cache_key = f"rl:{key}"
    store = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(store, RedisCache):
        count = _redis_hit(store, cache_key, window)
    else:
        cache.add(cache_key, 0, timeout=window)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window)
            count = 1
    if count > limit:
        raise RateLimited(details={"retry_after_seconds": window})
    return count


def _redis_hit(store: RedisCache, cache_key: str, window: int) -> int:
    """The same count in one round trip instead of three (``add``, then ``incr``, which is an
    ``EXISTS`` and an ``INCR``): ``INCR`` and ``TTL`` in one ``MULTI``, under the key the cache
    API would use; a counter without an expiry (the hit that created it) gets one in a second
    round trip. Any Redis version (``EXPIRE … NX`` would need 7.0). Every read API request
    passes here (``partners.middleware``)."""
    key = store.make_and_validate_key(cache_key)
    client = store._cache.get_client(key, write=True)  # type: ignore[attr-defined]
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.ttl(key)
        count, ttl = pipe.execute()
    if ttl < 0:  # -1: no expiry yet
        client.expire(key, window)
    return int(count)


def client_ip(request: HttpRequest) -> str:
    """The caller's address, for per-address limits.

    Behind ``TOUSU["TRUSTED_PROXY_HOPS"]`` reverse proxies (e.g. 1 for one nginx), the address
    is taken from ``X-Forwarded-For``, counting that many entries from the right: the entries a
    client wrote itself further left are never trusted. Without proxies it is ``REMOTE_ADDR``.
    """
    hops = int(settings.TOUSU.get("TRUSTED_PROXY_HOPS", 0))
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote
