"""Django's Redis cache with one client per process.

Django keeps a cache object per thread and async context, and its Redis backend makes a
connection pool per cache object. Under ASGI every request runs in a context of its own, so
each request opened a new TCP connection to Redis for its first cache read and left it to the
garbage collector. The feed reads the cache several times a page (BENCHMARKS.md, "Feed and
events"). Here every cache object of a process shares one client and its pool; redis-py's pool
is thread-safe and reconnects after a fork.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


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
                _clients[key] = RedisCacheClient(servers, **options)
            return _clients[key]
