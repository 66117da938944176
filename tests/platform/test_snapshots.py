"""Shared snapshots are built by one page, read by the others, and refreshed ahead of expiry by
one page at a time."""

import pytest
from django.core.cache import cache

from clipcart.core.snapshots import SharedSnapshot


@pytest.fixture
def builds():
    cache.clear()
    return []


def snapshot(builds: list[int]) -> SharedSnapshot[dict]:
    """A snapshot whose value counts its builds (a new instance stands for another process)."""

    def build() -> dict:
        builds.append(1)
        return {"build": len(builds)}

    return SharedSnapshot("test", build, ttl_s=15, refresh_before_s=3)


def test_the_first_read_builds_and_later_reads_hold_it(builds, clock):
    shared = snapshot(builds)
    assert shared.get(version=1) == {"build": 1}
    assert shared.get(version=1) is shared.get(version=1)
    assert len(builds) == 1


def test_another_process_reads_the_built_value_from_the_cache(builds, clock):
    snapshot(builds).get(version=1)
    other = snapshot(builds)
    assert other.get(version=1) == {"build": 1}
    assert len(builds) == 1


def test_a_new_version_is_built_at_once(builds, clock):
    shared = snapshot(builds)
    shared.get(version=1)
    assert shared.get(version=2) == {"build": 2}


def test_one_page_rebuilds_it_shortly_before_it_expires(builds, clock):
    shared, other = snapshot(builds), snapshot(builds)
    shared.get(version=1)
    other.get(version=1)
    clock[0] += 12.5  # within the last 3 s of its 15
    cache.add("snapshot:test:1:refreshing", 1)  # another page is rebuilding it
    assert shared.get(version=1) == {"build": 1}  # goes on with the current one
    cache.delete("snapshot:test:1:refreshing")
    assert shared.get(version=1) == {"build": 2}  # this page rebuilds it
    assert other.get(version=1) == {"build": 2}  # and the others read the new one
    assert len(builds) == 2


def test_before_the_refresh_window_nobody_rebuilds(builds, clock):
    shared = snapshot(builds)
    shared.get(version=1)
    clock[0] += 11
    shared.get(version=1)
    assert len(builds) == 1
