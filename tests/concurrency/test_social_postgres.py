"""Counters under concurrency: a beacon batch retried in parallel is stored once, likes from many
devices count once each, and two roll-ups at the same time count every event exactly once."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection

from clipcart.feed import services as feed_services
from clipcart.feed.models import Event, PostStats
from clipcart.media import services as media_services
from clipcart.media.models import Like
from tests.factories import UserFactory, make_post

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16


def _in_threads(work, items):
    def run(item):
        try:
            return work(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, items))


def _batch(video_id: int, size: int) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    return [
        {"id": str(uuid.uuid4()), "type": "impression", "ts": now, "video_id": video_id}
        for _ in range(size)
    ]


def test_copies_of_one_batch_sent_at_once_are_stored_once(creator, shopper):
    post = make_post(creator=creator)
    batch = _batch(post.pk, 50)

    results = _in_threads(
        lambda _: feed_services.ingest_events(user=shopper, session_key=None, events=batch),
        range(THREADS),
    )

    assert sum(r.accepted for r in results) == 50
    assert sum(r.duplicates for r in results) == 50 * (THREADS - 1)
    assert Event.objects.count() == 50


def test_simultaneous_likes_count_each_person_once(creator):
    post = make_post(creator=creator)
    fans = [UserFactory() for _ in range(THREADS)]

    _in_threads(lambda fan: media_services.like_post(user=fan, post_id=post.pk), fans * 2)

    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count() == THREADS


def test_parallel_roll_ups_count_every_event_exactly_once(creator, shopper):
    post = make_post(creator=creator)
    for _ in range(8):
        feed_services.ingest_events(user=shopper, session_key=None, events=_batch(post.pk, 250))

    counted = _in_threads(lambda _: feed_services.roll_up_events(batch=100), range(4))

    assert sum(counted) == 2000
    assert PostStats.objects.get(pk=post.pk).views == 2000
    assert not Event.objects.filter(rolled_up=False).exists()
