"""The roll-up counts each creator's views per UTC day (CreatorDay), alongside their total."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clipcart.feed import pages, services
from clipcart.feed.models import CreatorDay, CreatorStats
from tests.factories import UserFactory, make_post

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 5, 2, 0, 30, tzinfo=UTC)  # half an hour into a new UTC day


def impression(post, *, at: datetime) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "impression",
        "ts": at.isoformat(),
        "video_id": post.pk,
    }


def send(user, events: list[dict]) -> None:
    services.ingest_events(user=user, session_key=None, events=events)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_views_are_counted_per_creator_and_utc_day(creator, shopper):
    other = UserFactory(username="other-creator")
    first, second = make_post(creator=creator), make_post(creator=creator)
    theirs = make_post(creator=other)
    late_yesterday = NOW - timedelta(minutes=45)
    send(shopper, [impression(first, at=late_yesterday) for _ in range(3)])
    send(shopper, [impression(second, at=NOW), impression(first, at=NOW)])
    send(shopper, [impression(theirs, at=NOW)])
    send(shopper, [{**impression(first, at=NOW), "type": "complete"}])  # not a view

    services.roll_up_events()

    days = {(row.creator_id, row.day): row.views for row in CreatorDay.objects.all()}
    today, yesterday = NOW.date(), NOW.date() - timedelta(days=1)
    assert days == {(creator.pk, yesterday): 3, (creator.pk, today): 2, (other.pk, today): 1}
    assert CreatorStats.objects.get(pk=creator.pk).views == 5


def test_a_later_roll_up_adds_to_the_same_day_and_counts_each_event_once(creator, shopper):
    post = make_post(creator=creator)
    batch = [impression(post, at=NOW) for _ in range(2)]
    send(shopper, batch)
    services.roll_up_events()
    send(shopper, batch)  # a retried batch: stored once, counted once
    send(shopper, [impression(post, at=NOW)])

    services.roll_up_events()

    assert CreatorDay.objects.get(creator=creator, day=NOW.date()).views == 3


def test_views_of_a_deleted_post_count_on_no_day(creator, shopper):
    post = make_post(creator=creator)
    gone = post.pk
    post.delete()
    services.ingest_events(
        user=shopper,
        session_key=None,
        events=[{"id": "e1", "type": "impression", "ts": NOW.isoformat(), "video_id": gone}],
    )

    services.roll_up_events()

    assert not CreatorDay.objects.exists()


def test_a_creators_views_by_day_fill_days_without_views_with_zero(creator):
    today = NOW.date()
    CreatorDay.objects.create(creator=creator, day=today, views=7)
    CreatorDay.objects.create(creator=creator, day=today - timedelta(days=2), views=4)
    CreatorDay.objects.create(creator=creator, day=today - timedelta(days=3), views=99)

    series = pages.creator_views_by_day(
        creator_id=creator.pk, first=today - timedelta(days=2), last=today
    )

    assert series == [(today - timedelta(days=2), 4), (today - timedelta(days=1), 0), (today, 7)]
