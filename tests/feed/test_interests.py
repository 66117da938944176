"""The interest profile as its owner sees it: exactly what the For You ranker computes, and
removing, restoring and resetting change what the ranker uses at once.

The fixtures and helpers here are shared by the other interest profile tests (API, erasure,
pages, browser)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis
from django.test import TestCase
from django.utils import timezone

from clipcart.catalog.models import Category
from clipcart.core.errors import InvalidInput, NotAuthenticated, NotFound
from clipcart.feed import interests
from clipcart.feed import services as feed_services
from clipcart.feed.foryou.profile import viewer_profile
from clipcart.feed.models import InterestRemoval
from clipcart.media.models import Hashtag
from tests.factories import UserFactory, make_post, make_product

pytestmark = pytest.mark.django_db


# --- Shared fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_redis_history(settings):
    """With REDIS_URL set, viewers' recent histories live in that Redis database, which the
    per-test cache clearing does not reach (the cache has its own): empty it around each test,
    so no history left by an earlier test or run (user ids repeat across runs) leaks in."""
    if not settings.REDIS_URL:
        yield
        return
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


def watch(post, *types: str, user=None, session_key: str | None = None, minutes_ago: int = 5):
    """The viewer did `types` on `post` a few minutes ago, reported like the page does (and
    recorded in the Redis history too when it is configured: after-commit work runs here)."""
    ts = (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()
    events = [
        {"id": uuid.uuid4().hex, "type": kind, "ts": ts, "video_id": post.pk} for kind in types
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        feed_services.ingest_events(user=user, session_key=session_key, events=events)


def enjoy(post, **viewer) -> None:
    """Watched to the end and liked: a strong positive signal."""
    watch(post, "impression", "complete", "like", **viewer)


@pytest.fixture
def books(db) -> Category:
    return Category.objects.create(name="Books", slug="books")


@pytest.fixture
def booktok(creator, shop, books):
    novel = make_product(shop=shop, title="Cozy mystery", category_id=books.pk)
    return make_post(creator=creator, caption="Three cozy reads #booktok", products=[novel])


@pytest.fixture
def cleaner(db):
    return UserFactory(username="sparkle")


@pytest.fixture
def cleantok(cleaner):
    return make_post(
        creator=cleaner, caption="Sink to shine #cleantok", published_ago=timedelta(hours=2)
    )


def tag(name: str) -> int:
    return Hashtag.objects.get(name=name).pk


def named(page: interests.InterestPage, kind: str) -> list[str | None]:
    return [interest.name for interest in page.of(kind)]


# --- The profile shown is the ranker's ----------------------------------------------------------


def test_the_profile_shown_is_exactly_what_the_ranker_computes(shopper, booktok, cleantok):
    enjoy(booktok, user=shopper)
    watch(cleantok, "impression", "complete", user=shopper)
    actor = f"u:{shopper.pk}"

    page = interests.interest_profile(actor=actor)

    ranker = viewer_profile(actor)
    for kind in ("hashtag", "creator", "category"):
        liked = ranker.liked(kind, limit=interests.PROFILE_LIMIT)
        assert [i.id for i in page.of(kind)] == [key for key, _ in liked]
        # Equal but for the decay of the milliseconds between the two computations.
        assert [i.affinity for i in page.of(kind)] == pytest.approx([v for _, v in liked])
    assert named(page, "hashtag") == ["booktok", "cleantok"]
    assert named(page, "creator") == ["creator", "sparkle"]
    assert named(page, "category") == ["Books"]


def test_strength_is_relative_to_the_strongest_of_its_kind(shopper, booktok, cleantok):
    enjoy(booktok, user=shopper)
    watch(cleantok, "impression", "complete", user=shopper)

    page = interests.interest_profile(actor=f"u:{shopper.pk}")

    strongest, weaker = page.hashtags
    assert strongest.strength == 100
    assert weaker.strength == round(100 * weaker.affinity / strongest.affinity)
    assert 0 < weaker.strength < 100


def test_someone_who_has_not_watched_anything_has_an_empty_profile(shopper, booktok):
    page = interests.interest_profile(actor=f"u:{shopper.pk}")

    assert page.empty
    assert page.removed == []
    assert page.reset_at is None


def test_an_anonymous_visitor_has_a_profile_of_their_browser_session(booktok):
    enjoy(booktok, session_key="visitor-session-1")

    page = interests.interest_profile(actor="s:visitor-session-1")

    assert named(page, "hashtag") == ["booktok"]
    assert interests.interest_profile(actor="s:another-session").empty


# --- Remove and restore -------------------------------------------------------------------------


def test_removing_a_hashtag_takes_it_out_of_what_the_ranker_uses_at_once(
    shopper, booktok, cleantok
):
    enjoy(booktok, user=shopper)
    enjoy(cleantok, user=shopper)
    actor = f"u:{shopper.pk}"
    assert tag("booktok") in viewer_profile(actor).hashtags  # also caches the preferences

    interests.remove_interest(actor=actor, kind="hashtag", key=tag("booktok"))

    assert tag("booktok") not in viewer_profile(actor).hashtags
    assert tag("cleantok") in viewer_profile(actor).hashtags
    page = interests.interest_profile(actor=actor)
    assert named(page, "hashtag") == ["cleantok"]
    assert [(r.kind, r.name) for r in page.removed] == [("hashtag", "booktok")]


def test_a_removed_interest_is_not_inferred_again_from_later_viewing(shopper, booktok):
    actor = f"u:{shopper.pk}"
    interests.remove_interest(actor=actor, kind="creator", key=booktok.creator_id)

    enjoy(booktok, user=shopper, minutes_ago=1)

    assert booktok.creator_id not in viewer_profile(actor).creators
    assert named(interests.interest_profile(actor=actor), "hashtag") == ["booktok"]


def test_removing_twice_is_the_same_as_removing_once(shopper, booktok):
    actor = f"u:{shopper.pk}"

    interests.remove_interest(
        actor=actor, kind="category", key=str(booktok.anchors.first().product.category_id)
    )
    interests.remove_interest(
        actor=actor, kind="category", key=booktok.anchors.first().product.category_id
    )

    assert InterestRemoval.objects.filter(actor=actor).count() == 1


def test_restoring_brings_an_interest_back_into_the_ranking(shopper, booktok):
    enjoy(booktok, user=shopper)
    actor = f"u:{shopper.pk}"
    interests.remove_interest(actor=actor, kind="hashtag", key=tag("booktok"))
    assert tag("booktok") not in viewer_profile(actor).hashtags

    interests.restore_interest(actor=actor, kind="hashtag", key=tag("booktok"))

    assert tag("booktok") in viewer_profile(actor).hashtags
    assert interests.interest_profile(actor=actor).removed == []


def test_restoring_what_was_never_removed_changes_nothing(shopper, booktok):
    enjoy(booktok, user=shopper)
    actor = f"u:{shopper.pk}"

    interests.restore_interest(actor=actor, kind="hashtag", key=tag("booktok"))

    assert named(interests.interest_profile(actor=actor), "hashtag") == ["booktok"]


def test_one_persons_removal_does_not_change_anothers_profile(shopper, stranger, booktok):
    enjoy(booktok, user=shopper)
    enjoy(booktok, user=stranger)

    interests.remove_interest(actor=f"u:{shopper.pk}", kind="hashtag", key=tag("booktok"))

    assert tag("booktok") in viewer_profile(f"u:{stranger.pk}").hashtags


@pytest.mark.parametrize("kind", ["hashtags", "video", "", None, "HASHTAG", 3])
def test_an_unknown_kind_is_refused(shopper, booktok, kind):
    with pytest.raises(InvalidInput) as error:
        interests.remove_interest(actor=f"u:{shopper.pk}", kind=kind, key=tag("booktok"))

    assert error.value.field == "kind"


@pytest.mark.parametrize(
    "key", ["abc", "-1", -1, 0, "0", "1.5", "", None, True, 2**63, str(10**30), "1" * 5000, "١٢"]
)
def test_an_id_that_is_not_a_positive_64_bit_number_is_refused(shopper, key):
    with pytest.raises(InvalidInput) as error:
        interests.remove_interest(actor=f"u:{shopper.pk}", kind="hashtag", key=key)

    assert error.value.field == "id"
    assert not InterestRemoval.objects.exists()


@pytest.mark.parametrize("kind", ["hashtag", "creator", "category"])
def test_an_id_that_names_nothing_is_not_found(shopper, kind):
    with pytest.raises(NotFound):
        interests.remove_interest(actor=f"u:{shopper.pk}", kind=kind, key=2**63 - 1)
    with pytest.raises(NotFound):
        interests.restore_interest(actor=f"u:{shopper.pk}", kind=kind, key=987654)

    assert not InterestRemoval.objects.exists()


def test_edits_need_someone_to_belong_to(booktok):
    with pytest.raises(NotAuthenticated):
        interests.remove_interest(actor=None, kind="hashtag", key=tag("booktok"))
    with pytest.raises(NotAuthenticated):
        interests.reset_interests(actor="")


# --- Reset --------------------------------------------------------------------------------------


def test_reset_empties_the_profile_and_later_viewing_counts_again(shopper, booktok, cleantok):
    enjoy(booktok, user=shopper, minutes_ago=10)
    actor = f"u:{shopper.pk}"
    assert not viewer_profile(actor).empty

    reset_at = interests.reset_interests(actor=actor)

    assert viewer_profile(actor).empty
    assert interests.interest_profile(actor=actor).empty
    assert interests.interest_profile(actor=actor).reset_at == reset_at

    watch(cleantok, "impression", "complete", user=shopper, minutes_ago=0)

    page = interests.interest_profile(actor=actor)
    assert named(page, "hashtag") == ["cleantok"]
    assert viewer_profile(actor).hashtags.keys() == {tag("cleantok")}


def test_reset_keeps_what_was_removed(shopper, booktok):
    actor = f"u:{shopper.pk}"
    interests.remove_interest(actor=actor, kind="hashtag", key=tag("booktok"))

    interests.reset_interests(actor=actor)
    enjoy(booktok, user=shopper, minutes_ago=0)

    assert tag("booktok") not in viewer_profile(actor).hashtags
    assert [r.name for r in interests.interest_profile(actor=actor).removed] == ["booktok"]


def test_resetting_again_moves_the_reset_forward(shopper):
    actor = f"u:{shopper.pk}"
    first = interests.reset_interests(actor=actor)

    second = interests.reset_interests(actor=actor)

    assert second >= first
    assert interests.interest_profile(actor=actor).reset_at == second
