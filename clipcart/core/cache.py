"""Django's Redis cache with one client per process.

Django keeps a cache object per thread and async context, and its Redis backend makes a
connection pool per cache object. Under ASGI every request runs in a context of its own, so
each request opened a new TCP connection to Redis for its first cache read and left it to the
garbage collector; and for every operation it made a new `redis.Redis`, whose set-up (about
170 response callbacks) cost more CPU than the read itself. The feed reads the cache several
times a page (BENCHMARKS.md, "Feed and events"). Here every cache object of a process shares one
client, one pool and one `redis.Redis` per server; redis-py's clients and pools are thread-safe
and reconnect after a fork.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


class _ReusedRedisClient(RedisCacheClient):
    """Django's client, keeping one `redis.Redis` per connection pool instead of making one
    per operation."""

    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        self._redis_of: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False) -> redis.Redis:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # not in the stubs
        client = self._redis_of.get(id(pool))
        if client is None:
            client = self._redis_of[id(pool)] = redis.Redis(connection_pool=pool)
        return client


class SharedRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._servers_and_options = (server, params.get("OPTIONS", {}))

    @cached_property
    def _cache(self) -> RedisCacheClient:
        server, options = self._servers_and_options
        servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        key = (tuple(servers), repr(sorted(options.items())))
        with _lock:
            if key not in _clients:
                _clients[key] = _ReusedRedisClient(servers, **options)
            return _clients[key]
