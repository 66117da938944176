"""Fixed-window rate limits on the cache (local memory embedded, Redis when configured)."""

from __future__ import annotations

import time

from django.core.cache import cache

from .errors import RateLimited


def spend(key: str, *, limit: int, period_s: int, message: str) -> None:
    """Counts one action against `key`; raises RateLimited once `limit` is spent this window."""
    window = int(time.time() // period_s)
    cache_key = f"rate:{key}:{window}"
    # add() is atomic: it creates the counter only if absent, so concurrent first hits both count.
    cache.add(cache_key, 0, timeout=period_s + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period_s + 1)
        used = 1
    if used > limit:
        raise RateLimited(message)
