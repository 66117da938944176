"""Live post counters: with Redis, exact the moment events are stored; without it, the rolled-up
PostStats. Both agree once the roll-up has run."""

from __future__ import annotations

import logging

import pytest

from clipcart.feed import services
from clipcart.feed.counters import PostCounts, post_counts
from clipcart.media import services as media_services
from tests.factories import UserFactory, make_post

from . import test_history as history_tests
from .test_history import DOWN, event

pytestmark = pytest.mark.django_db

# The Redis database and the send-and-commit helper of the history tests.
live_redis = history_tests.live_redis
send = history_tests.send


@pytest.fixture
def post(creator):
    return make_post(creator=creator, caption="Morning routine #cleantok")


@pytest.fixture
def other_post(creator):
    return make_post(creator=creator, caption="Night routine #cleantok")


def a_busy_day(send, shopper, post, other_post) -> None:
    send(
        shopper,
        [event(post=post) for _ in range(4)]
        + [event("complete", post=post) for _ in range(2)]
        + [event("view_progress", post=post, watch_ms=ms) for ms in (1200, 800, 0)]
        + [event(kind, post=post) for kind in ("share", "anchor_click", "add_to_cart")]
        + [event(kind, post=post) for kind in ("purchase", "not_interested", "follow", "like")]
        + [event("add_to_cart", product_id=5)]  # about a product, on no video
        + [event(post=other_post)],
    )
    for name in ("fan1", "fan2"):
        media_services.like_post(user=UserFactory(username=name), post_id=post.pk)


EXPECTED = PostCounts(
    impressions=4,
    completions=2,
    watch_ms=2000,
    shares=1,
    anchor_clicks=1,
    add_to_carts=1,
    purchases=1,
    not_interested=1,
    likes=2,
)


def test_with_redis_counts_are_exact_before_any_roll_up(
    live_redis, send, shopper, post, other_post
):
    a_busy_day(send, shopper, post, other_post)

    counts = post_counts([post.pk, other_post.pk])

    assert counts == {post.pk: EXPECTED, other_post.pk: PostCounts(impressions=1)}


def test_without_redis_counts_are_those_of_the_last_roll_up(
    settings, send, shopper, post, other_post
):
    settings.REDIS_URL = ""
    a_busy_day(send, shopper, post, other_post)
    assert post_counts([post.pk])[post.pk] == PostCounts(likes=2)

    services.roll_up_events()

    assert post_counts([post.pk])[post.pk] == EXPECTED


def test_both_backends_agree_after_a_roll_up(
    settings, live_redis, send, shopper, stranger, post, other_post
):
    a_busy_day(send, shopper, post, other_post)
    send(stranger, [event(post=other_post), event("complete", post=other_post)])
    services.roll_up_events()
    ids = [post.pk, other_post.pk]

    live = post_counts(ids)
    settings.REDIS_URL = ""
    rolled_up = post_counts(ids)

    assert live == rolled_up
    assert live[other_post.pk] == PostCounts(impressions=2, completions=1)


def test_a_retried_batch_counts_once(live_redis, send, shopper, post):
    batch = [event(post=post), event("share", post=post)]
    send(shopper, batch)
    send(shopper, batch)

    assert post_counts([post.pk])[post.pk] == PostCounts(impressions=1, shares=1)


@pytest.mark.parametrize("redis_on", [True, False], ids=["redis", "table"])
def test_unseen_and_unknown_posts_count_zero(settings, live_redis, post, redis_on):
    if not redis_on:
        settings.REDIS_URL = ""

    counts = post_counts([post.pk, 999_999, post.pk])

    assert counts == {post.pk: PostCounts(), 999_999: PostCounts()}
    assert post_counts([]) == {}


@pytest.mark.parametrize("redis_on", [True, False], ids=["redis", "table"])
def test_counts_of_many_posts_take_one_query(
    settings, live_redis, creator, django_assert_num_queries, redis_on
):
    if not redis_on:
        settings.REDIS_URL = ""
    ids = [make_post(creator=creator).pk for _ in range(12)]

    with django_assert_num_queries(1):
        counts = post_counts(ids)

    assert set(counts) == set(ids)


def test_with_redis_down_counts_fall_back_to_the_roll_up(
    settings, send, shopper, post, other_post, caplog
):
    settings.REDIS_URL = DOWN
    caplog.set_level(logging.WARNING, logger="clipcart.feed")
    a_busy_day(send, shopper, post, other_post)
    services.roll_up_events()

    assert post_counts([post.pk])[post.pk] == EXPECTED
    assert "Redis unreachable" in caplog.text
