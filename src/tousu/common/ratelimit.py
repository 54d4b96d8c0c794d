"""Fixed-window rate limits on the Django cache (local memory or Redis)."""

from __future__ import annotations

from django.core.cache import cache

from .errors import RateLimited


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one hit of ``key``; raise ``RateLimited`` past ``limit`` hits per ``window`` s."""
    cache_key = f"rl:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimited(details={"retry_after_seconds": window})
    return count
