"""Regions: each event carries its viewer's region, the roll-up counts views per region, post and
UTC day, and "popular in your region" ranks live posts by those views (filled from the most
viewed overall, so a new region still gets a feed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clipcart.feed import services
from clipcart.feed.counters import popular_in_region
from clipcart.feed.models import Event, PostStats, RegionPostDay
from clipcart.media import services as media_services
from tests.factories import UserFactory, make_post

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 5, 2, 0, 30, tzinfo=UTC)  # half an hour into a new UTC day


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def impression(post, *, at: datetime = NOW, kind: str = "impression") -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "ts": at.isoformat(), "video_id": post.pk}


def viewer(region: str):
    return UserFactory(region=region)


def show(post, *, times: int, region: str, at: datetime = NOW) -> None:
    """`times` impressions of `post` by a new viewer from `region`."""
    events = [impression(post, at=at) for _ in range(times)]
    services.ingest_events(user=viewer(region), session_key=None, events=events)


# --- Region on events ---------------------------------------------------------------------------


def test_each_event_carries_its_viewers_region(settings, creator):
    settings.CLIPCART_REGION = "FR"
    post = make_post(creator=creator)

    services.ingest_events(user=viewer("DE"), session_key=None, events=[impression(post)])
    services.ingest_events(user=viewer(""), session_key=None, events=[impression(post)])
    services.ingest_events(user=None, session_key="visitor", events=[impression(post)])

    regions = dict(Event.objects.values_list("actor", "region"))
    assert sorted(regions.values()) == ["DE", "FR", "FR"]
    assert regions["s:visitor"] == "FR"


@pytest.mark.parametrize("signed_in", [True, False], ids=["user", "visitor"])
def test_finding_the_region_costs_no_query_beyond_the_insert(
    creator, shopper, django_assert_max_num_queries, signed_in
):
    post = make_post(creator=creator)
    user = shopper if signed_in else None

    with django_assert_max_num_queries(1):
        services.ingest_events(user=user, session_key="visitor", events=[impression(post)])

    assert Event.objects.get().region == "US"


def test_events_through_the_api_carry_the_account_region(shopper, shopper_api, creator):
    shopper.region = "JP"
    shopper.save(update_fields=["region"])
    post = make_post(creator=creator)

    shopper_api.post("/events", {"events": [impression(post)]})

    assert Event.objects.get().region == "JP"


# --- Roll-up ------------------------------------------------------------------------------------


def test_views_are_rolled_up_per_region_post_and_utc_day(creator):
    first, second = make_post(creator=creator), make_post(creator=creator)
    late_yesterday = NOW - timedelta(minutes=45)
    show(first, times=3, region="DE", at=late_yesterday)
    show(first, times=2, region="DE")
    show(first, times=1, region="US")
    show(second, times=4, region="US")
    services.ingest_events(
        user=viewer("DE"), session_key=None, events=[impression(first, kind="complete")]
    )

    services.roll_up_events()

    rows = {(r.region, r.post_id, r.day): r.views for r in RegionPostDay.objects.all()}
    today, yesterday = NOW.date(), NOW.date() - timedelta(days=1)
    assert rows == {
        ("DE", first.pk, yesterday): 3,
        ("DE", first.pk, today): 2,
        ("US", first.pk, today): 1,
        ("US", second.pk, today): 4,
    }


def test_a_later_roll_up_adds_to_the_same_rows_and_counts_each_event_once(creator):
    post = make_post(creator=creator)
    show(post, times=2, region="DE")
    services.roll_up_events()
    show(post, times=3, region="DE")

    services.roll_up_events()
    services.roll_up_events()

    assert RegionPostDay.objects.get(region="DE", post=post).views == 5


def test_views_of_deleted_posts_and_events_without_a_region_count_in_no_region(creator):
    kept, deleted = make_post(creator=creator), make_post(creator=creator)
    show(deleted, times=2, region="DE")
    show(kept, times=1, region="DE")
    Event.objects.filter(video_id=kept.pk).update(region="")  # stored before regions were kept
    deleted.delete()

    services.roll_up_events()

    assert not RegionPostDay.objects.exists()
    assert PostStats.objects.get(pk=kept.pk).views == 1


# --- Popular in a region ------------------------------------------------------------------------


def test_popular_in_region_ranks_by_the_regions_views_newest_first_on_ties(creator):
    older = make_post(creator=creator, published_ago=timedelta(days=3))
    newer = make_post(creator=creator, published_ago=timedelta(days=1))
    top = make_post(creator=creator, published_ago=timedelta(days=5))
    show(older, times=2, region="DE")
    show(newer, times=2, region="DE")
    show(top, times=3, region="DE")
    show(older, times=9, region="US")  # popular elsewhere only
    services.roll_up_events()

    assert popular_in_region("DE", limit=3) == [top.pk, newer.pk, older.pk]
    assert popular_in_region("US", limit=1) == [older.pk]


def test_only_views_of_the_last_days_count(creator):
    lasting, fading = make_post(creator=creator), make_post(creator=creator)
    show(fading, times=5, region="DE", at=NOW - timedelta(days=2))
    show(lasting, times=2, region="DE", at=NOW - timedelta(days=1))
    services.roll_up_events()

    assert popular_in_region("DE", days=2, limit=1) == [lasting.pk]
    assert popular_in_region("DE", days=3, limit=1) == [fading.pk]


def test_a_region_with_few_views_is_filled_from_the_most_viewed_overall_then_the_newest(creator):
    local = make_post(creator=creator, published_ago=timedelta(days=9))
    global_hit = make_post(creator=creator, published_ago=timedelta(days=8))
    global_minor = make_post(creator=creator, published_ago=timedelta(days=7))
    unseen_old = make_post(creator=creator, published_ago=timedelta(days=6))
    unseen_new = make_post(creator=creator, published_ago=timedelta(hours=2))
    show(local, times=1, region="DE")
    show(local, times=9, region="US")
    show(global_hit, times=6, region="US")
    show(global_minor, times=2, region="US")
    services.roll_up_events()

    popular = popular_in_region("DE", limit=10)

    assert popular == [local.pk, global_hit.pk, global_minor.pk, unseen_new.pk, unseen_old.pk]
    assert popular_in_region("BR", limit=2) == [local.pk, global_hit.pk]


def test_popular_in_region_lists_live_posts_only(creator, django_capture_on_commit_callbacks):
    live = make_post(creator=creator)
    removed = make_post(creator=creator)
    make_post(creator=creator, status="processing")
    show(removed, times=5, region="DE")
    show(live, times=1, region="DE")
    services.roll_up_events()
    assert popular_in_region("DE") == [removed.pk, live.pk]

    with django_capture_on_commit_callbacks(execute=True):
        media_services.remove_post(editor=creator, post_id=removed.pk)

    assert popular_in_region("DE") == [live.pk]  # at once, although the list is cached


def test_popular_in_region_is_kept_for_a_minute(settings, creator):
    # Local memory, whose expiry follows the frozen clock (a Redis server keeps its own time).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    first, second = make_post(creator=creator), make_post(creator=creator)
    show(first, times=2, region="DE")
    services.roll_up_events()
    assert popular_in_region("DE", limit=1) == [first.pk]
    show(second, times=5, region="DE")
    services.roll_up_events()

    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        assert popular_in_region("DE", limit=1) == [first.pk]
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert popular_in_region("DE", limit=1) == [second.pk]
