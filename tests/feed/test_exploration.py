"""Exploration of new videos: enrollment, the matching audience of tier 0, Thompson sampling
among what a viewer may see, and the beat task's promote / stop / graduate verdicts."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.catalog.models import Category
from clipcart.feed import exploration, services
from clipcart.feed.exploration import Decision, Explored, Interests, decide, pick_for
from clipcart.feed.models import Exploration
from clipcart.media.models import Hashtag
from tests.factories import UserFactory, make_post, make_product

from .test_history import live_redis  # noqa: F401 (a fixture: the counters' Redis database)

pytestmark = pytest.mark.django_db
NOBODY = Interests()


@pytest.fixture(autouse=True)
def counters(settings, request):
    """In the run with REDIS_URL set the live counters are Redis hashes: a database of this
    test's own, emptied before and after. Otherwise they are the rolled-up PostStats."""
    if settings.REDIS_URL:
        request.getfixturevalue("live_redis")


def watch(post, *, impressions: int, completions: int = 0, shares: int = 0) -> None:
    """Viewers' events about `post`, ingested (with what ingestion does after its commit) and
    rolled up, as the feed page reports them."""
    kinds = ["impression"] * impressions + ["complete"] * completions + ["share"] * shares
    now = timezone.now().isoformat()
    events = [
        {"id": uuid.uuid4().hex, "type": kind, "ts": now, "video_id": post.pk} for kind in kinds
    ]
    for start in range(0, len(events), services.MAX_BATCH):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.ingest_events(
                user=None, session_key=uuid.uuid4().hex, events=events[start : start + 500]
            )
    services.roll_up_events()


def exploring(post, **fields) -> Exploration:
    """`post` in exploration with the given state (a record the beat task would have made)."""
    return Exploration.objects.create(post=post, **fields)


def picked(interests: Interests = NOBODY, *, exclude=frozenset(), n: int = 10, seed: int = 1):
    return pick_for(interests=interests, exclude=set(exclude), n=n, rng=random.Random(seed))


def picked_ids(*args, **kwargs) -> set[int]:
    return {item.post_id for item in picked(*args, **kwargs)}


@pytest.fixture
def platform(db):
    """The rest of the platform: an old video seen 1,000 times, 20% of them to the end, so the
    pools' rate (the platform's while few videos were explored) is about 20%."""
    veteran = make_post(creator=UserFactory(), published_ago=timedelta(days=60))
    watch(veteran, impressions=1000, completions=200)
    return veteran


@pytest.fixture
def booktok_fan(db) -> Interests:
    return Interests(hashtags=frozenset({Hashtag.objects.create(name="booktok").pk}))


# --- Enrollment ---------------------------------------------------------------------------------


def test_new_live_posts_of_the_last_week_are_enrolled_at_tier_0(creator):
    fresh = make_post(creator=creator, published_ago=timedelta(hours=2))
    six_days = make_post(creator=creator, published_ago=timedelta(days=6))
    too_old = make_post(creator=creator, published_ago=timedelta(days=8))
    processing = make_post(creator=creator, status="processing")
    removed = make_post(creator=creator, removed_at=timezone.now())

    assert exploration.promote_explored_videos() == 2

    rows = {row.post_id: row for row in Exploration.objects.all()}
    assert set(rows) == {fresh.pk, six_days.pk}
    assert all(row.tier == 0 and row.status == "exploring" for row in rows.values())
    assert {too_old.pk, processing.pk, removed.pk}.isdisjoint(rows)


def test_a_post_that_already_had_its_first_audience_is_not_enrolled(creator):
    seen = make_post(creator=creator)
    barely_seen = make_post(creator=creator)
    watch(seen, impressions=exploration.TIER_BUDGETS[0])
    watch(barely_seen, impressions=exploration.TIER_BUDGETS[0] - 1)

    exploration.promote_explored_videos()

    assert list(Exploration.objects.values_list("post_id", flat=True)) == [barely_seen.pk]
    row = Exploration.objects.get()
    assert (row.impressions, row.tier_impressions) == (99, 99)  # its first views count in tier 0


def test_running_the_task_twice_changes_nothing_more(creator, platform):
    posts = [make_post(creator=creator) for _ in range(3)]
    watch(posts[0], impressions=100, completions=80)  # enrolled below, then promoted
    exploring(posts[0])
    watch(posts[1], impressions=40, completions=10)

    first = exploration.promote_explored_videos()
    after_first = list(Exploration.objects.order_by("pk").values())
    second = exploration.promote_explored_videos()

    assert first == 3  # two enrolled, one promoted
    assert second == 0
    assert list(Exploration.objects.order_by("pk").values()) == after_first


# --- Who may be shown what ----------------------------------------------------------------------


def test_tier_0_is_shown_only_to_viewers_whose_hashtags_match(creator, booktok_fan):
    post = make_post(creator=creator, caption="Five books that wrecked me #booktok #reading")
    exploring(post)
    skincare_fan = Interests(hashtags=frozenset({Hashtag.objects.create(name="cleantok").pk}))

    assert picked(booktok_fan) == [Explored(post.pk, 0, "hashtag:booktok")]
    assert picked(skincare_fan) == []
    assert picked(NOBODY) == []


def test_tier_0_matches_a_followed_or_liked_creator_and_a_tagged_products_category(creator, shop):
    books = Category.objects.create(name="Books", slug="books")
    novel = make_product(shop=shop, title="Cozy mystery", category_id=books.pk)
    by_creator = make_post(creator=creator, caption="no tags here")
    with_novel = make_post(creator=UserFactory(), caption="a good read", products=[novel])
    exploring(by_creator)
    exploring(with_novel)

    assert picked(Interests(creators=frozenset({creator.pk}))) == [
        Explored(by_creator.pk, 0, f"creator:{creator.username}")
    ]
    assert picked(Interests(categories=frozenset({books.pk}))) == [
        Explored(with_novel.pk, 0, "category:Books")
    ]


def test_wider_tiers_are_shown_to_anyone_even_without_interests(creator, booktok_fan):
    broad = make_post(creator=creator, caption="#cleantok routine")
    matching = make_post(creator=creator, caption="#booktok haul")
    exploring(broad, tier=1)
    exploring(matching, tier=2)

    assert sorted(picked(NOBODY), key=lambda e: e.post_id) == [
        Explored(broad.pk, 1, "broad"),
        Explored(matching.pk, 2, "broad"),
    ]
    assert Explored(matching.pk, 2, "hashtag:booktok") in picked(booktok_fan)


def test_excluded_and_decided_videos_are_not_picked(creator):
    shown, seen, stopped, graduated = (make_post(creator=creator) for _ in range(4))
    exploring(shown, tier=1)
    exploring(seen, tier=1)
    exploring(stopped, tier=1, status="stopped")
    exploring(graduated, tier=2, status="graduated")

    assert picked_ids(exclude={seen.pk}) == {shown.pk}


def test_a_video_whose_every_product_is_sold_out_is_skipped(creator, shop):
    sold_out = make_product(shop=shop, title="Gone serum", stock=0)
    in_stock = make_product(shop=shop, title="Glow serum", stock=3)
    all_gone = make_post(creator=creator, products=[sold_out])
    one_left = make_post(creator=creator, products=[sold_out, in_stock])
    no_products = make_post(creator=creator)
    for post in (all_gone, one_left, no_products):
        exploring(post, tier=1)

    assert picked_ids() == {one_left.pk, no_products.pk}


def test_a_video_past_twice_its_budget_waits_for_the_verdict_not_for_viewers(creator):
    waiting = make_post(creator=creator)
    exploring(waiting, tier=1, impressions=2000, tier_impressions=2000, successes=400)

    assert picked_ids() == set()


def test_a_new_creator_without_followers_is_found_by_a_matching_viewer(booktok_fan):
    newcomer = UserFactory(username="first_post_ever")
    account_services.grant_creator_role(user=newcomer)
    debut = make_post(creator=newcomer, caption="My first review! #booktok")

    exploration.promote_explored_videos()

    assert account_selectors.follow_counts(newcomer.pk)[0] == 0
    assert picked(booktok_fan) == [Explored(debut.pk, 0, "hashtag:booktok")]


def test_nothing_is_picked_when_no_slot_is_asked_for(creator):
    exploring(make_post(creator=creator), tier=1)

    assert picked(n=0) == []


# --- Thompson sampling --------------------------------------------------------------------------


def test_thompson_sampling_favours_a_proven_video_yet_still_tries_a_new_one(creator):
    proven = make_post(creator=creator)
    new = make_post(creator=creator)
    exploring(proven, tier=1, impressions=1000, successes=450)
    exploring(new, tier=1)
    rng = random.Random(7)

    wins = Counter(
        pick_for(interests=NOBODY, exclude=set(), n=1, rng=rng)[0].post_id for _ in range(2000)
    )

    assert wins[proven.pk] > 1600
    assert wins[new.pk] > 20


def test_a_clearly_worse_record_rarely_wins_a_draw(creator):
    good = make_post(creator=creator)
    bad = make_post(creator=creator)
    exploring(good, tier=1, impressions=1000, successes=400)
    exploring(bad, tier=1, impressions=1000, successes=100)
    rng = random.Random(3)

    wins = Counter(
        pick_for(interests=NOBODY, exclude=set(), n=1, rng=rng)[0].post_id for _ in range(500)
    )

    assert wins == {good.pk: 500}


def test_the_same_seed_draws_the_same_videos(creator):
    for _ in range(6):
        exploring(make_post(creator=creator), tier=1, impressions=50, successes=10)

    assert picked(n=3, seed=11) == picked(n=3, seed=11)
    assert len(picked(n=3, seed=11)) == 3


def test_picking_costs_a_fixed_number_of_queries_whatever_the_number_of_videos(creator, shop):
    product = make_product(shop=shop)

    def queries_to_pick(videos: int) -> tuple[int, int]:
        for _ in range(videos):
            post = make_post(creator=UserFactory(), caption="#booktok #haul", products=[product])
            exploring(post, tier=1)
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            found = picked(n=100)
        with CaptureQueriesContext(connection) as warm:
            picked(n=100)
        assert len(found) == Exploration.objects.count()
        return len(cold), len(warm)

    few, many = queries_to_pick(2), queries_to_pick(25)

    assert few == many
    assert few[0] <= 8
    assert few[1] == 0


# --- Verdicts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "impressions", "successes", "verdict"),
    [
        (0, 99, 99, Decision.WAIT),  # the budget is not used up
        (0, 100, 45, Decision.PROMOTE),  # clearly above a 20% pool
        (0, 100, 5, Decision.STOP),  # clearly below
        (0, 100, 22, Decision.WAIT),  # unsure: a second budget
        (0, 200, 44, Decision.PROMOTE),  # overtime: the posterior mean decides
        (0, 200, 38, Decision.STOP),
        (1, 1000, 300, Decision.PROMOTE),
        (2, 10_000, 3000, Decision.GRADUATE),  # beat the last pool
        (2, 10_000, 1000, Decision.STOP),
    ],
)
def test_a_used_up_budget_is_judged_against_the_pool(tier, impressions, successes, verdict):
    assert decide(tier=tier, impressions=impressions, successes=successes, pool_rate=0.2) == verdict


def test_past_the_deadline_the_posterior_mean_decides_whatever_the_budget():
    assert decide(tier=1, impressions=10, successes=9, pool_rate=0.2, expired=True) == "promote"
    assert decide(tier=1, impressions=0, successes=0, pool_rate=0.2, expired=True) == "stop"


def test_a_video_that_beats_its_pool_moves_up_with_fresh_tier_counts(creator, platform):
    hit = make_post(creator=creator, caption="#booktok")
    exploration.promote_explored_videos()
    watch(hit, impressions=100, completions=60, shares=5)

    assert exploration.promote_explored_videos() == 1

    row = Exploration.objects.get(post=hit)
    assert (row.tier, row.status) == (1, "exploring")
    assert (row.impressions, row.successes) == (100, 65)
    assert (row.tier_impressions, row.tier_successes) == (0, 0)
    assert picked_ids() == {hit.pk}  # now open to anyone


def test_a_video_that_falls_clearly_short_is_stopped_and_no_longer_picked(
    creator, platform, booktok_fan
):
    dud = make_post(creator=creator, caption="#booktok")
    exploration.promote_explored_videos()
    watch(dud, impressions=100, completions=3)

    exploration.promote_explored_videos()

    assert Exploration.objects.get(post=dud).status == "stopped"
    assert picked(booktok_fan) == []


def test_an_unsure_video_gets_a_second_budget_then_the_mean_decides(creator, platform):
    unsure = make_post(creator=creator)
    exploration.promote_explored_videos()
    watch(unsure, impressions=100, completions=22)

    assert exploration.promote_explored_videos() == 0
    assert Exploration.objects.get(post=unsure).tier == 0

    watch(unsure, impressions=100, completions=24)
    exploration.promote_explored_videos()

    assert Exploration.objects.get(post=unsure).tier == 1  # 46 of 200 beats a 20% pool


def test_a_video_in_the_last_pool_that_beats_it_graduates(creator, platform):
    star = make_post(creator=creator)
    exploring(star, tier=2, started_at=timezone.now() - exploration.DEADLINE - timedelta(hours=1))
    watch(star, impressions=40, completions=30)

    exploration.promote_explored_videos()

    row = Exploration.objects.get(post=star)
    assert (row.tier, row.status, row.tier_impressions) == (2, "graduated", 40)
    assert picked_ids() == set()


def test_each_pool_has_the_platform_rate_until_enough_videos_reached_it(creator):
    posts = [make_post(creator=creator) for _ in range(exploration.MIN_POOL_POSTS)]
    for post in posts:
        watch(post, impressions=20, completions=10)  # the platform: 50%
    for post in posts[:-1]:
        exploring(post, tier=1, impressions=20, successes=2, tier_impressions=20)

    assert exploration.pool_rates() == {0: 0.5, 1: 0.5, 2: 0.5}

    exploring(posts[-1], tier=1, impressions=20, successes=2, tier_impressions=20)

    assert exploration.pool_rates() == {0: pytest.approx(0.1), 1: pytest.approx(0.1), 2: 0.5}
