"""The exploration beat task run by several workers at once: every video is enrolled once, its
counts are added once and it moves at most one pool. Real threads, real PostgreSQL row locks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from clipcart.feed import exploration
from clipcart.feed.models import Exploration
from tests.factories import UserFactory, make_post

from .test_exploration import counters, live_redis, watch  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 6


def test_concurrent_runs_enroll_count_and_promote_each_video_once(creator):
    veteran = make_post(creator=UserFactory(), published_ago=timedelta(days=60))
    watch(veteran, impressions=1000, completions=200)  # the platform's rate: 20%
    hits = [make_post(creator=creator) for _ in range(3)]
    quiet = [make_post(creator=creator) for _ in range(3)]
    exploration.promote_explored_videos()
    for post in hits:
        watch(post, impressions=100, completions=70)
    for post in quiet:
        watch(post, impressions=30, completions=5)
    for _ in range(3):
        make_post(creator=creator)  # new since the last run: enrolled by the racing ones
    start = threading.Barrier(WORKERS)

    def run(_: int) -> int:
        try:
            start.wait()
            return exploration.promote_explored_videos()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(run, range(WORKERS)))

    rows = {row.post_id: row for row in Exploration.objects.all()}
    assert len(rows) == 9
    for post in hits:
        row = rows[post.pk]
        assert (row.tier, row.impressions, row.successes) == (1, 100, 70)
        assert (row.tier_impressions, row.tier_successes) == (0, 0)
    for post in quiet:
        row = rows[post.pk]
        assert (row.tier, row.impressions, row.tier_impressions, row.successes) == (0, 30, 30, 5)
    assert exploration.promote_explored_videos() == 0
