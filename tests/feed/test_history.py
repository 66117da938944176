"""A viewer's recent history: with Redis, a capped list per viewer kept by ingestion (each newly
stored event once, after commit); without it, or when Redis is down, the event table."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.db import connection

from clipcart.feed import counters, services
from clipcart.feed.history import (
    HISTORY_LIMIT,
    HISTORY_WINDOW,
    DatabaseHistory,
    RedisHistory,
    history_key,
    history_store,
)
from clipcart.feed.models import Event
from tests.factories import make_post

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
def live_redis(settings):
    """REDIS_URL pointing at a database of its own per test worker (the cache uses 1, 2, …
    from the bottom), emptied before and after."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    settings.REDIS_URL = f"redis://127.0.0.1:6379/{15 - worker}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def event(type_: str = "impression", *, post=None, at: datetime | None = None, **fields) -> dict:
    return {
        "id": fields.pop("id", str(uuid.uuid4())),
        "type": type_,
        "ts": (at or datetime.now(UTC)).isoformat(),
        "video_id": post.pk if post is not None else None,
        **fields,
    }


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Ingests as the pages do and runs what ingestion leaves for after the commit."""

    def send(user, events: list[dict], *, session_key: str | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.ingest_events(user=user, session_key=session_key, events=events)

    return send


@pytest.fixture
def post(creator):
    return make_post(creator=creator, caption="Shelf tour #booktok")


def actor(user) -> str:
    return f"u:{user.pk}"


def test_history_is_read_from_redis_when_it_is_configured(live_redis):
    assert isinstance(history_store(), RedisHistory)


def test_history_is_read_from_the_table_without_redis(settings):
    settings.REDIS_URL = ""

    assert isinstance(history_store(), DatabaseHistory)


def test_redis_history_lists_the_newest_first_as_the_table_does(live_redis, send, shopper, post):
    now = datetime.now(UTC)
    send(shopper, [event(post=post, at=now - timedelta(minutes=m)) for m in (5, 1, 3)])
    send(shopper, [event("complete", post=post, at=now), event("like", post=post, at=now)])
    # Sent late by a phone that was offline: older than what is already there.
    send(shopper, [event("share", post=post, at=now - timedelta(hours=2))])

    from_redis = history_store().recent(actor(shopper))

    assert [(i.type, i.ts) for i in from_redis][-1] == ("share", now - timedelta(hours=2))
    assert [i.ts for i in from_redis] == sorted((i.ts for i in from_redis), reverse=True)
    assert from_redis == DatabaseHistory().recent(actor(shopper))


def test_every_field_of_an_interaction_survives_the_round_trip(live_redis, send, shopper, post):
    at = datetime(2031, 5, 2, 10, 30, 15, 123456, tzinfo=UTC)
    batch = [
        event("view_progress", post=post, at=at, watch_ms=4321),
        event("add_to_cart", at=at + timedelta(seconds=1), product_id=77),
    ]
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        send(shopper, batch)

        (cart, watch) = history_store().recent(actor(shopper))

    assert (cart.type, cart.product_id, cart.video_id) == ("add_to_cart", 77, None)
    assert (watch.type, watch.ts, watch.video_id, watch.watch_ms) == (
        "view_progress",
        at,
        post.pk,
        4321,
    )


def test_history_keeps_only_the_newest_events_up_to_the_cap(live_redis, send, shopper, post):
    now = datetime.now(UTC)
    older = [event(post=post, at=now - timedelta(seconds=400 + n)) for n in range(200)]
    newer = [event(post=post, at=now - timedelta(seconds=n)) for n in range(150)]
    send(shopper, older)
    send(shopper, newer)

    recent = history_store().recent(actor(shopper))

    assert live_redis.llen(history_key(actor(shopper))) == HISTORY_LIMIT
    assert len(recent) == HISTORY_LIMIT
    assert recent[0].ts == now
    assert recent[-1].ts == now - timedelta(seconds=400 + HISTORY_LIMIT - 150 - 1)
    assert history_store().recent(actor(shopper), limit=10) == recent[:10]


def test_history_expires_with_its_window(live_redis, send, shopper, post):
    send(shopper, [event(post=post)])

    ttl = live_redis.ttl(history_key(actor(shopper)))

    assert HISTORY_WINDOW.total_seconds() - 60 < ttl <= HISTORY_WINDOW.total_seconds()


def test_since_leaves_out_what_came_before_a_reset(live_redis, send, shopper, post):
    now = datetime.now(UTC)
    send(shopper, [event(post=post, at=now - timedelta(hours=h)) for h in (1, 2, 3)])

    recent = history_store().recent(actor(shopper), since=now - timedelta(hours=2, minutes=30))

    assert [i.ts for i in recent] == [now - timedelta(hours=1), now - timedelta(hours=2)]


def test_a_retried_batch_is_recorded_once(live_redis, send, shopper, post):
    batch = [event(post=post), event("complete", post=post)]
    send(shopper, batch)

    again = send(shopper, batch)

    assert (again.accepted, again.duplicates, again.stored) == (0, 2, [])
    assert len(history_store().recent(actor(shopper))) == 2
    assert counters.post_counts([post.pk])[post.pk].impressions == 1


def test_a_batch_with_old_and_new_ids_records_only_the_new(live_redis, send, shopper, post):
    first = event(post=post)
    send(shopper, [first])

    result = send(shopper, [first, event("share", post=post)])

    assert [e.type for e in result.stored] == ["share"]
    assert sorted(i.type for i in history_store().recent(actor(shopper))) == [
        "impression",
        "share",
    ]


def test_nothing_is_recorded_when_the_ingesting_transaction_rolls_back(live_redis, shopper, post):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.ingest_events(user=shopper, session_key=None, events=[event(post=post)])
        raise RuntimeError("the caller failed after ingesting")

    assert not live_redis.exists(history_key(actor(shopper)))
    assert history_store().recent(actor(shopper)) == []


def test_anonymous_visitors_have_their_own_history(live_redis, send, post):
    send(None, [event(post=post)], session_key="abc123")

    assert len(history_store().recent("s:abc123")) == 1


def test_forget_drops_the_viewers_history(live_redis, send, shopper, stranger, post):
    send(shopper, [event(post=post)])
    send(stranger, [event(post=post)])

    history_store().forget(actor(shopper))

    assert not live_redis.exists(history_key(actor(shopper)))
    assert len(history_store().recent(actor(stranger))) == 1


def test_with_redis_down_ingestion_and_history_fall_back_to_the_table(
    settings, send, shopper, post, caplog
):
    settings.REDIS_URL = DOWN
    caplog.set_level(logging.WARNING, logger="clipcart.feed")

    result = send(shopper, [event(post=post), event("complete", post=post)])
    recent = history_store().recent(actor(shopper))

    assert result.accepted == 2
    assert Event.objects.filter(actor=actor(shopper)).count() == 2
    assert [i.type for i in recent] == [i.type for i in DatabaseHistory().recent(actor(shopper))]
    assert len(recent) == 2
    assert "Redis unreachable" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_batch_racing_are_recorded_once(live_redis, shopper, post):
    batch = [event(post=post) for _ in range(40)] + [event("complete", post=post)]
    start = threading.Barrier(2, timeout=20)

    def send_copy(_):
        try:
            start.wait()
            return services.ingest_events(user=shopper, session_key=None, events=batch)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(send_copy, range(2)))

    assert sum(r.accepted for r in results) == 41
    assert len(history_store().recent(actor(shopper))) == 41
    assert live_redis.llen(history_key(actor(shopper))) == 41
    assert counters.post_counts([post.pk])[post.pk].impressions == 40
