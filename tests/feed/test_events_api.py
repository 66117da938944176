"""POST /api/v1/events: batches are validated whole, ids count once, and the roll-up makes the
view counters exact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from clipcart.feed import services
from clipcart.feed.models import CreatorStats, Event, HashtagDay, PostStats
from clipcart.media.models import Hashtag
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def event(type_: str = "impression", **fields) -> dict:
    return {
        "id": fields.pop("id", str(uuid.uuid4())),
        "type": type_,
        "ts": fields.pop("ts", datetime.now(UTC).isoformat()),
        **fields,
    }


@pytest.fixture
def post(creator):
    return make_post(creator=creator, caption="Desk tour #booktok #cleantok")


def test_a_batch_is_accepted_and_counts_what_was_new(shopper_api, post):
    batch = [event(video_id=post.pk), event("complete", video_id=post.pk)]

    answer = shopper_api.post("/events", {"events": batch})

    assert answer.status_code == 202
    assert answer.json() == {"accepted": 2, "duplicates": 0}
    assert Event.objects.filter(actor=f"u:{shopper_api_user_id(shopper_api)}").count() == 2


def shopper_api_user_id(api) -> int:
    return api.get("/me").json()["id"]


def test_a_retried_batch_is_counted_once(shopper_api, post):
    batch = [event(video_id=post.pk) for _ in range(3)]
    shopper_api.post("/events", {"events": batch})

    again = shopper_api.post("/events", {"events": batch})

    assert again.json() == {"accepted": 0, "duplicates": 3}
    assert Event.objects.count() == 3


def test_ids_repeated_inside_one_batch_are_duplicates(shopper_api, post):
    same = event(video_id=post.pk)

    answer = shopper_api.post("/events", {"events": [same, same, event(video_id=post.pk)]})

    assert answer.json() == {"accepted": 2, "duplicates": 1}


def test_two_people_may_use_the_same_client_id(shopper_api, stranger, post):
    from tests.conftest import ApiClient

    shared_id = str(uuid.uuid4())
    shopper_api.post("/events", {"events": [event(id=shared_id, video_id=post.pk)]})

    answer = ApiClient(stranger).post(
        "/events", {"events": [event(id=shared_id, video_id=post.pk)]}
    )

    assert answer.json()["accepted"] == 1


def test_more_than_500_events_are_refused_and_nothing_is_stored(shopper_api, post):
    answer = shopper_api.post("/events", {"events": [event(video_id=post.pk) for _ in range(501)]})

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "batch_too_large"
    assert not Event.objects.exists()


def test_an_unknown_type_refuses_the_batch_naming_the_event(shopper_api, post):
    batch = [event(video_id=post.pk), event("teleport", video_id=post.pk)]

    answer = shopper_api.post("/events", {"events": batch})

    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "unknown_type",
        "message": "Unknown event type 'teleport'.",
        "field": "events.1.type",
    }
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ts": (datetime.now(UTC) + timedelta(days=400)).isoformat()}, "events.0.ts"),
        ({"ts": "yesterday"}, "events.0.ts"),
        ({"ts": "2026-01-01T00:00:00"}, "events.0.ts"),  # no zone
        ({"ts": (datetime.now(UTC) - timedelta(days=30)).isoformat()}, "events.0.ts"),
        ({"video_id": "12"}, "events.0.video_id"),
        ({"video_id": -4}, "events.0.video_id"),
        ({"watch_ms": -1}, "events.0.watch_ms"),
        ({"watch_ms": 10**12}, "events.0.watch_ms"),
        ({"id": ""}, "events.0.id"),
        ({"id": "x" * 65}, "events.0.id"),
    ],
)
def test_bad_events_are_refused_with_the_field_to_blame(shopper_api, post, fields, field):
    answer = shopper_api.post("/events", {"events": [event(**{"video_id": post.pk, **fields})]})

    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"]["field"] == field
    assert not Event.objects.exists()


def test_timestamps_a_little_ahead_are_tolerated_as_clock_skew(shopper_api, post):
    ahead = (datetime.now(UTC) + timedelta(minutes=2)).timestamp() * 1000

    answer = shopper_api.post("/events", {"events": [event(ts=int(ahead), video_id=post.pk)]})

    assert answer.status_code == 202


def test_an_anonymous_page_reports_events_with_its_session_cookie(post):
    browser = Client()
    browser.get("/")  # the feed page starts the session that identifies the visitor
    session = browser.session
    session["seen"] = True
    session.save()

    answer = browser.post(
        "/api/v1/events", {"events": [event(video_id=post.pk)]}, content_type="application/json"
    )

    assert answer.status_code == 202
    assert Event.objects.get().actor.startswith("s:")


def test_a_client_with_neither_token_nor_session_is_unauthenticated(api, post):
    answer = api.post("/events", {"events": [event(video_id=post.pk)]})

    assert answer.status_code == 401


def test_a_bad_token_is_refused_even_though_anonymous_events_are_allowed(post):
    from tests.conftest import ApiClient

    client = ApiClient()
    client.headers["Authorization"] = "Bearer cc_not_a_token"

    assert client.post("/events", {"events": [event(video_id=post.pk)]}).status_code == 401


def test_roll_up_makes_post_creator_and_hashtag_counters_exact(shopper_api, post, creator):
    batch = [event(video_id=post.pk) for _ in range(5)]
    batch += [event("complete", video_id=post.pk), event("share", video_id=post.pk)]
    batch += [event("view_progress", video_id=post.pk, watch_ms=1500) for _ in range(2)]
    shopper_api.post("/events", {"events": batch})
    shopper_api.post("/events", {"events": batch})  # a retry adds nothing

    assert services.roll_up_events() == len(batch)
    assert services.roll_up_events() == 0  # each event is counted once

    stats = PostStats.objects.get(pk=post.pk)
    assert (stats.views, stats.completions, stats.shares, stats.watch_ms) == (5, 1, 1, 3000)
    assert CreatorStats.objects.get(pk=creator.pk).views == 5
    today = datetime.now(UTC).date()
    for name in ("booktok", "cleantok"):
        tag = Hashtag.objects.get(name=name)
        assert HashtagDay.objects.get(hashtag=tag, day=today).views == 5


def test_events_about_a_deleted_video_are_stored_but_count_nowhere(shopper_api, post):
    gone = post.pk
    post.delete()

    shopper_api.post("/events", {"events": [event(video_id=gone)]})
    services.roll_up_events()

    assert Event.objects.get().rolled_up
    assert not PostStats.objects.exists()
