"""The Redis cache shares one client per process instead of one per request context."""

import threading

import pytest
from django.conf import settings

from clipcart.core.cache import SharedRedisCache


def cache_in_new_thread(location: str) -> SharedRedisCache:
    made: list[SharedRedisCache] = []
    thread = threading.Thread(target=lambda: made.append(SharedRedisCache(location, {})))
    thread.start()
    thread.join()
    return made[0]


def test_cache_objects_of_one_location_share_a_client_across_threads():
    first = SharedRedisCache("redis://127.0.0.1:6379/14", {})
    second = cache_in_new_thread("redis://127.0.0.1:6379/14")
    assert first is not second
    assert first._cache is second._cache


def test_another_location_or_options_get_their_own_client():
    base = SharedRedisCache("redis://127.0.0.1:6379/14", {})
    other_db = SharedRedisCache("redis://127.0.0.1:6379/15", {})
    other_options = SharedRedisCache("redis://127.0.0.1:6379/14", {"OPTIONS": {"db": 3}})
    assert base._cache is not other_db._cache
    assert base._cache is not other_options._cache


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (the PostgreSQL + Redis leg)")
def test_values_written_through_one_cache_object_are_read_through_another():
    writer = SharedRedisCache(settings.REDIS_URL, {})
    writer.set("shared-cache-test", {"n": 1}, timeout=10)
    assert cache_in_new_thread(settings.REDIS_URL).get("shared-cache-test") == {"n": 1}
    writer.delete("shared-cache-test")


def test_one_redis_client_serves_every_operation():
    cache = SharedRedisCache("redis://127.0.0.1:6379/14", {})
    assert cache._cache.get_client("a") is cache._cache.get_client("b", write=True)
