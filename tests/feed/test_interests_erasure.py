"""Erasure is real: after a viewer erases their data, no row of theirs remains in any table of
the feed app that names a person, nor in the Redis history (when REDIS_URL is set), while
everyone else's rows are untouched and the anonymous counters stay."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from clipcart.feed import interests
from clipcart.feed import services as feed_services
from clipcart.feed.history import history_store
from clipcart.feed.models import Event, InterestRemoval, InterestReset, PostStats
from clipcart.feed.selectors import Viewer

from . import test_interests as shared
from .test_interests import enjoy, tag, watch

pytestmark = pytest.mark.django_db
books, booktok, cleaner, cleantok = shared.books, shared.booktok, shared.cleaner, shared.cleantok
_empty_redis_history = shared._empty_redis_history  # autouse here too


def person_columns() -> set[tuple[str, str]]:
    """Every (model, column) of the feed app that names a person: an `actor` ("u:<id>" or
    "s:<session>") or a reference to a user."""
    columns = set()
    for model in apps.get_app_config("feed").get_models():
        for field in model._meta.get_fields():
            names_user = field.is_relation and field.related_model is apps.get_model(
                settings.AUTH_USER_MODEL
            )
            if field.name == "actor" or (names_user and field.concrete):
                columns.add((model._meta.label, field.name))
    return columns


def rows_of(actor: str, user) -> dict[tuple[str, str], int]:
    """How many rows each erased column holds for this person."""
    counts = {}
    for label, column in interests.ERASED_COLUMNS:
        value = actor if column == "actor" else user
        counts[(label, column)] = (
            apps.get_model(label).objects.filter(**{column: value}).count() if value else 0
        )
    return counts


def redis_keys_of(actor: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    return list(client.scan_iter(match=f"*{actor}"))


def erase(viewer: Viewer) -> interests.ErasureReceipt:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the after-commit forgetting runs
        return interests.erase_behavioural_data(viewer=viewer)


def all_about(person, posts, *, session_key: str | None = None) -> None:
    """Gives a person (or a visitor) events of every kind, a removal and a reset."""
    viewer = {"user": person} if person else {"session_key": session_key}
    for post in posts:
        enjoy(post, **viewer)
        watch(post, "view_progress", "share", "anchor_click", "not_interested", **viewer)
    actor = f"u:{person.pk}" if person else f"s:{session_key}"
    interests.remove_interest(actor=actor, kind="hashtag", key=tag("cleantok"))
    interests.reset_interests(actor=actor)


def test_every_feed_table_that_names_a_person_is_either_erased_or_kept_on_purpose():
    kept = set(interests.KEPT_COLUMNS)

    assert person_columns() == interests.ERASED_COLUMNS | kept
    assert not interests.ERASED_COLUMNS & kept


def test_after_erasing_no_row_of_the_person_remains_and_anothers_are_intact(
    shopper, stranger, booktok, cleantok
):
    all_about(shopper, [booktok, cleantok])
    all_about(stranger, [booktok, cleantok])
    # An event the person sent from their browser before it was tied to their account.
    Event.objects.create(
        actor="s:before-sign-in", user=shopper, client_id="x1", type="complete", ts=timezone.now()
    )
    mine, theirs = f"u:{shopper.pk}", f"u:{stranger.pk}"
    strangers_rows = rows_of(theirs, stranger)
    assert all(rows_of(mine, shopper).values())  # every erased column held something
    assert all(strangers_rows.values())

    receipt = erase(Viewer(user=shopper))

    assert rows_of(mine, shopper) == dict.fromkeys(interests.ERASED_COLUMNS, 0)
    assert not Event.objects.filter(actor="s:before-sign-in").exists()
    assert rows_of(theirs, stranger) == strangers_rows
    assert (receipt.events, receipt.removed_interests, receipt.resets) == (15, 1, 1)
    assert history_store().recent(mine) == []
    assert len(history_store().recent(theirs)) == 14
    if settings.REDIS_URL:
        assert redis_keys_of(mine) == []
        assert redis_keys_of(theirs)  # the check looks where the history really is


def test_an_anonymous_visitors_erasure_leaves_nothing_of_their_session(shopper, booktok, cleantok):
    all_about(None, [booktok], session_key="visitor-1")
    all_about(shopper, [booktok])

    receipt = erase(Viewer(session_key="visitor-1"))

    assert receipt.events == 7
    assert not Event.objects.filter(actor="s:visitor-1").exists()
    assert not InterestRemoval.objects.filter(actor="s:visitor-1").exists()
    assert not InterestReset.objects.filter(actor="s:visitor-1").exists()
    assert history_store().recent("s:visitor-1") == []
    if settings.REDIS_URL:
        assert redis_keys_of("s:visitor-1") == []
    assert Event.objects.filter(actor=f"u:{shopper.pk}").count() == 7


def test_after_erasing_the_profile_is_empty_and_the_next_page_knows_nothing(shopper, booktok):
    enjoy(booktok, user=shopper)
    actor = f"u:{shopper.pk}"
    assert not interests.interest_profile(actor=actor).empty  # caches the preferences too
    interests.remove_interest(actor=actor, kind="creator", key=booktok.creator_id)

    erase(Viewer(user=shopper))

    page = interests.interest_profile(actor=actor)
    assert page.empty
    assert page.removed == []
    assert page.reset_at is None
    enjoy(booktok, user=shopper)  # the removal went with the rest: the creator counts again
    assert booktok.creator_id in interests.viewer_profile(actor).creators


def test_anonymous_counters_stay_after_erasing(shopper, booktok):
    enjoy(booktok, user=shopper)
    feed_services.roll_up_events()
    views = PostStats.objects.get(post=booktok).views

    erase(Viewer(user=shopper))

    assert PostStats.objects.get(post=booktok).views == views == 1


def test_erasing_nothing_is_a_receipt_of_zeros(shopper):
    receipt = erase(Viewer(user=shopper))

    assert (receipt.events, receipt.removed_interests, receipt.resets) == (0, 0, 0)
