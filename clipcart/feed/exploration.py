"""Exploration of new videos: every new video gets a small audience of viewers whose interests
match it, and moves to wider pools while its observed rate beats the pool's.

A video enrolls at tier 0 (the beat task, every few minutes). Each tier has a budget of
impressions; tier 0 is shown only to viewers whose interests share a hashtag, a tagged product's
category or the creator with it, higher tiers to anyone. When a tier's budget is used up, the
video's Beta posterior (a prior centred on the pool's rate, plus its own record in that tier)
decides: clearly better than the pool → next tier (or graduated after the last), clearly worse
→ stopped, unsure → a second budget and then the posterior mean decides.

On a For You page, `pick_for` fills the slots kept for exploration by Thompson sampling among
the videos that viewer may see: a draw from each video's posterior, the largest win. A proven
video wins most draws, an uncertain new one still wins some, so each gets its audience.
Followers play no part: a creator nobody follows yet is found through their hashtags and
products.

"Success" is an impression that led to a completion, like, share, anchor click or add to cart;
from counters that is their sum, capped at the impressions.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

import numpy as np
from django.db import transaction
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from scipy.stats import beta as beta_distribution

from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.snapshots import SharedSnapshot
from clipcart.media import selectors as media_selectors
from clipcart.media.models import Anchor, Post, PostHashtag

from . import counters, locks
from .models import Exploration, PostStats

# Impressions each pool gives a video before it is judged. Tier 0, among matching viewers
# only, is the guaranteed first audience: 100 impressions tell a dud from a hit within a Beta
# posterior's width of about ±0.09. Each next pool is ten times wider and open to anyone, so
# reach is earned in steps and a video that fails costs each pool at most twice its budget.
TIER_BUDGETS = (100, 1_000, 10_000)
MATCHED_TIERS = 1  # tiers below this one are shown only to viewers whose interests match
ENROLL_WINDOW = timedelta(days=7)
# An exploration still undecided after this long is decided by its posterior mean: a video
# whose matching viewers are too rare would otherwise stay in the set every page scans forever.
DEADLINE = timedelta(days=30)
PROMOTE_AT = 0.8  # P(video's rate > pool's rate) at or above this → next pool
STOP_AT = 0.2  # … at or below this → stopped
OVERTIME = 2  # an unsure video collects up to this many budgets, then the mean decides
# The prior counts as this many impressions at the pool's rate: enough to keep two lucky
# impressions from looking like a 100% rate, little enough that 100 real ones outweigh it.
PRIOR_WEIGHT = 10.0
# A pool's rate is the mean rate of the posts that were in it, once enough were measured;
# until then the platform's overall rate stands in.
MIN_POOL_POSTS = 10
MIN_MEASURED_IMPRESSIONS = 20
DEFAULT_RATE = 0.2  # a platform with no impressions yet
SNAPSHOT_TTL_S = 15


@dataclass(frozen=True)
class Interests:
    """What a viewer is known to like (ids); all empty for a new or non-personalized viewer."""

    hashtags: frozenset[int] = frozenset()
    creators: frozenset[int] = frozenset()
    categories: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Explored:
    post_id: int
    tier: int
    # "hashtag:<name>", "creator:<handle>", "category:<name>" or "broad" (shown to anyone):
    # what made this viewer part of the video's audience, for "why am I seeing this".
    matched: str


class Decision(StrEnum):
    WAIT = "wait"
    PROMOTE = "promote"
    GRADUATE = "graduate"
    STOP = "stop"


def _live_posts() -> QuerySet[Post]:
    # Not feed.selectors.live_posts: the For You selectors import this module.
    return Post.objects.filter(status=Post.Status.READY, removed_at__isnull=True)


# --- Counts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    impressions: int
    successes: int


def post_records(post_ids: list[int]) -> dict[int, Record]:
    """Impressions and successes of each post, from the live counters (exact in real time with
    Redis, as of the last roll-up without)."""
    records: dict[int, Record] = {}
    for pk, counts in counters.post_counts(post_ids).items():
        successes = (
            counts.completions
            + counts.likes
            + counts.shares
            + counts.anchor_clicks
            + counts.add_to_carts
        )
        records[pk] = Record(counts.impressions, min(successes, counts.impressions))
    return records


# --- Pools --------------------------------------------------------------------------------------


def _platform_rate() -> float:
    """Successes per impression over every live post (one query)."""
    totals = PostStats.objects.filter(
        post__status=Post.Status.READY, post__removed_at__isnull=True
    ).aggregate(
        views=Sum("views"),
        positive=Sum(
            F("completions")
            + F("shares")
            + F("anchor_clicks")
            + F("add_to_carts")
            + F("post__like_count")
        ),
    )
    if not totals["views"]:
        return DEFAULT_RATE
    return min(1.0, (totals["positive"] or 0) / totals["views"])


def pool_rates() -> dict[int, float]:
    """tier → the rate a video must beat there: the mean success rate of the live posts that
    reached that tier (any status; one query), or the platform's rate while too few did.

    Posts that reached a higher tier count in every lower pool, so each bar is what the videos
    shown in that pool achieved, and it rises from pool to pool."""
    rate = Cast(F("successes"), FloatField()) / Cast(F("impressions"), FloatField())
    aggregates: dict[str, Aggregate] = {}
    for tier in range(len(TIER_BUDGETS)):
        reached = Q(tier__gte=tier, impressions__gte=MIN_MEASURED_IMPRESSIONS)
        aggregates[f"rate{tier}"] = Avg(rate, filter=reached)
        aggregates[f"posts{tier}"] = Count("pk", filter=reached)
    found = Exploration.objects.filter(
        post__status=Post.Status.READY, post__removed_at__isnull=True
    ).aggregate(**aggregates)
    rates: dict[int, float] = {}
    platform: float | None = None
    for tier in range(len(TIER_BUDGETS)):
        if found[f"posts{tier}"] >= MIN_POOL_POSTS:
            rates[tier] = float(found[f"rate{tier}"])
        else:
            platform = _platform_rate() if platform is None else platform
            rates[tier] = platform
    return rates


def _posterior(*, impressions: int, successes: int, pool_rate: float) -> tuple[float, float]:
    """Beta(α, β) of a video's success rate: the pool's prior plus its own record."""
    centre = min(max(pool_rate, 0.01), 0.99)  # a Beta needs both parameters above zero
    alpha = PRIOR_WEIGHT * centre + successes
    beta = PRIOR_WEIGHT * (1 - centre) + (impressions - successes)
    return alpha, beta


def decide(
    *, tier: int, impressions: int, successes: int, pool_rate: float, expired: bool = False
) -> Decision:
    """What becomes of a video with this record in its tier (`impressions`, `successes` since
    it entered the tier). `expired`: past the deadline, decided now by the posterior mean."""
    budget = TIER_BUDGETS[tier]
    if impressions < budget and not expired:
        return Decision.WAIT
    alpha, beta = _posterior(impressions=impressions, successes=successes, pool_rate=pool_rate)
    p_better = float(beta_distribution.sf(pool_rate, alpha, beta))
    if expired or impressions >= OVERTIME * budget:
        better = alpha / (alpha + beta) > pool_rate
    elif p_better >= PROMOTE_AT:
        better = True
    elif p_better <= STOP_AT:
        better = False
    else:
        return Decision.WAIT
    if not better:
        return Decision.STOP
    return Decision.PROMOTE if tier + 1 < len(TIER_BUDGETS) else Decision.GRADUATE


# --- The beat task ------------------------------------------------------------------------------


def enroll_new_videos(*, now: datetime) -> int:
    """Live posts of the last ENROLL_WINDOW without an exploration and with fewer impressions
    than tier 0's budget start one; returns how many. A concurrent run's rows are kept."""
    candidates = list(
        _live_posts()
        .filter(published_at__gte=now - ENROLL_WINDOW, exploration__isnull=True)
        .values_list("pk", flat=True)
    )
    records = post_records(candidates)
    new = [
        Exploration(post_id=pk, started_at=now)
        for pk in candidates
        if records.get(pk, Record(0, 0)).impressions < TIER_BUDGETS[0]
    ]
    Exploration.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _sync(row: Exploration, record: Record) -> bool:
    """Adds what the counters gained since the last run to the totals and the tier's. Counters
    are high-water marks: an unlike or a lost counter never takes counts back."""
    impressions = max(row.impressions, record.impressions)
    successes = max(row.successes, min(record.successes, impressions))
    gained, won = impressions - row.impressions, successes - row.successes
    if not gained and not won:
        return False
    row.impressions, row.successes = impressions, successes
    row.tier_impressions += gained
    row.tier_successes = min(row.tier_successes + won, row.tier_impressions)
    return True


def _apply(row: Exploration, decision: Decision) -> None:
    if decision == Decision.PROMOTE:
        row.tier += 1
        row.tier_impressions = row.tier_successes = 0
    elif decision == Decision.GRADUATE:
        row.status = Exploration.Status.GRADUATED
    elif decision == Decision.STOP:
        row.status = Exploration.Status.STOPPED


def _sync_and_decide(*, now: datetime) -> int:
    with transaction.atomic():
        rows = locks.lock_exploring()
        records = post_records([row.post_id for row in rows])
        synced = [row for row in rows if _sync(row, records.get(row.post_id, Record(0, 0)))]
        for row in synced:
            row.updated_at = now  # bulk_update skips auto_now
        Exploration.objects.bulk_update(
            synced, ["impressions", "successes", "tier_impressions", "tier_successes", "updated_at"]
        )
        rates = pool_rates()  # after the sync, so the pools include this run's counts
        decided = []
        for row in rows:
            decision = decide(
                tier=row.tier,
                impressions=row.tier_impressions,
                successes=row.tier_successes,
                pool_rate=rates[row.tier],
                expired=row.started_at <= now - DEADLINE,
            )
            if decision != Decision.WAIT:
                _apply(row, decision)
                row.updated_at = now
                decided.append(row)
        Exploration.objects.bulk_update(
            decided, ["tier", "status", "tier_impressions", "tier_successes", "updated_at"]
        )
    return len(decided)


def promote_explored_videos(*, now: datetime | None = None) -> int:
    """Enrolls new videos, adds the counters' news to every exploring one, and moves those
    whose tier budget is used up a pool up, out (graduated) or stops them. Returns how many
    were enrolled or moved; a second run with no new impressions changes nothing."""
    now = now or timezone.now()
    enrolled = enroll_new_videos(now=now)
    return enrolled + _sync_and_decide(now=now)


# --- The operator's overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class TierSummary:
    tier: int
    budget: int
    matched_only: bool  # shown only to viewers whose interests match
    exploring: int
    graduated: int
    stopped: int
    pool_rate: float  # the rate a video must beat to leave this pool upwards


def tier_summaries() -> list[TierSummary]:
    """Each pool with how many videos are in it by status and its current bar (two or three
    queries)."""
    counts = Counter(
        {
            (row["tier"], row["status"]): row["n"]
            for row in Exploration.objects.values("tier", "status").annotate(n=Count("pk"))
        }
    )
    rates = pool_rates()
    return [
        TierSummary(
            tier=tier,
            budget=budget,
            matched_only=tier < MATCHED_TIERS,
            exploring=counts[(tier, Exploration.Status.EXPLORING)],
            graduated=counts[(tier, Exploration.Status.GRADUATED)],
            stopped=counts[(tier, Exploration.Status.STOPPED)],
            pool_rate=rates[tier],
        )
        for tier, budget in enumerate(TIER_BUDGETS)
    ]


def recent_explorations(*, limit: int = 20) -> list[Exploration]:
    """The newest explorations with their posts and creators (one query)."""
    return list(
        Exploration.objects.select_related("post__creator").order_by("-started_at", "-pk")[:limit]
    )


# --- Serving ------------------------------------------------------------------------------------


class _Video(NamedTuple):
    """An exploring video as `pick_for` needs it (a tuple: cheap to pickle into the cache)."""

    post_id: int
    tier: int
    creator_id: int
    handle: str
    hashtags: tuple[tuple[str, int], ...]  # (name, id), by name
    categories: tuple[tuple[str, int], ...]  # (name, id), by name
    alpha: float  # the posterior Beta(alpha, beta) of its success rate
    beta: float


class _Snapshot:
    """The exploring videos with the arrays and indexes one page's draw needs, so a page costs
    a few index lookups and one vectorised Beta draw, not a Python loop over every video."""

    def __init__(self, videos: list[_Video]):
        self.videos = videos
        self.alpha = np.array([v.alpha for v in videos], dtype=np.float64)
        self.beta = np.array([v.beta for v in videos], dtype=np.float64)
        self.broad = np.array([v.tier >= MATCHED_TIERS for v in videos], dtype=bool)
        self.index_of = {video.post_id: index for index, video in enumerate(videos)}
        self.by_creator: dict[int, list[int]] = defaultdict(list)
        self.by_hashtag: dict[int, list[int]] = defaultdict(list)
        self.by_category: dict[int, list[int]] = defaultdict(list)
        for index, video in enumerate(videos):
            self.by_creator[video.creator_id].append(index)
            for _, hashtag_id in video.hashtags:
                self.by_hashtag[hashtag_id].append(index)
            for _, category_id in video.categories:
                self.by_category[category_id].append(index)

    def related(self, interests: Interests) -> set[int]:
        """Indexes of the videos that share something with `interests`."""
        found: set[int] = set()
        for keys, index in (
            (interests.creators, self.by_creator),
            (interests.hashtags, self.by_hashtag),
            (interests.categories, self.by_category),
        ):
            for key in keys:
                found.update(index.get(key, ()))
        return found


def _hashtags_of_exploring() -> dict[int, list[tuple[str, int]]]:
    tags: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = PostHashtag.objects.filter(
        post__exploration__status=Exploration.Status.EXPLORING
    ).values_list("post_id", "hashtag__name", "hashtag_id")
    for post_id, name, hashtag_id in rows:
        tags[post_id].append((name, hashtag_id))
    return tags


def _anchors_of_exploring() -> dict[int, list[int | None]]:
    """post id → its anchors' product ids (None for a link to another store)."""
    anchors: dict[int, list[int | None]] = defaultdict(list)
    rows = Anchor.objects.filter(
        post__exploration__status=Exploration.Status.EXPLORING
    ).values_list("post_id", "product_id")
    for post_id, product_id in rows:
        anchors[post_id].append(product_id)
    return anchors


def _load_videos() -> list[_Video]:
    """Every exploring live video a viewer could be shown, in a fixed number of queries."""
    rows = list(
        _live_posts()
        .filter(exploration__status=Exploration.Status.EXPLORING)
        .order_by("pk")
        .values_list(
            "pk",
            "creator_id",
            "creator__username",
            "exploration__tier",
            "exploration__impressions",
            "exploration__successes",
            "exploration__tier_impressions",
        )
    )
    if not rows:
        return []
    tags, anchors = _hashtags_of_exploring(), _anchors_of_exploring()
    facts = catalog_selectors.product_facts({p for ps in anchors.values() for p in ps if p})
    names = catalog_selectors.category_names()
    rates = pool_rates()
    videos = []
    for pk, creator_id, handle, tier, impressions, successes, tier_impressions in rows:
        products = anchors.get(pk, [])
        # Out-of-stock products are not promoted: a video all of whose products are sold out
        # waits (its exploration keeps its place) until one is back. A link always sells.
        if products and not any(p is None or (p in facts and facts[p].in_stock) for p in products):
            continue
        # Past twice the budget it waits for the beat task's verdict, not for more viewers.
        if tier_impressions >= OVERTIME * TIER_BUDGETS[tier]:
            continue
        categories = {
            (names[f.category_id], f.category_id)
            for p in products
            if p is not None and (f := facts.get(p)) and f.category_id in names
        }
        alpha, beta = _posterior(
            impressions=impressions, successes=successes, pool_rate=rates[tier]
        )
        videos.append(
            _Video(
                pk,
                tier,
                creator_id,
                handle,
                tuple(sorted(tags.get(pk, []))),
                tuple(sorted(categories)),
                alpha,
                beta,
            )
        )
    return videos


# Keyed on the live-set version, so a removed video leaves at once rather than in 15 s.
# Each process holds the snapshot with its arrays and indexes (core/snapshots.py).
_SHARED = SharedSnapshot(
    "feed-exploring:2", lambda: _Snapshot(_load_videos()), ttl_s=SNAPSHOT_TTL_S
)


def _snapshot() -> _Snapshot:
    return _SHARED.get(version=media_selectors.live_set_version())


def _match(video: _Video, interests: Interests) -> str | None:
    if video.creator_id in interests.creators:
        return f"creator:{video.handle}"
    for name, hashtag_id in video.hashtags:
        if hashtag_id in interests.hashtags:
            return f"hashtag:{name}"
    for name, category_id in video.categories:
        if category_id in interests.categories:
            return f"category:{name}"
    return None


def pick_for(
    *, interests: Interests, exclude: set[int], n: int, rng: random.Random
) -> list[Explored]:
    """Up to `n` exploring videos for one viewer, best Thompson draw first. Tier 0 needs a
    match with `interests`; wider tiers are open to anyone (empty interests get only those).
    No query while the snapshot is cached; the draws follow `rng`, so a seed repeats them."""
    snapshot = _snapshot() if n > 0 else None
    if snapshot is None or not snapshot.videos:
        return []
    allowed = snapshot.broad.copy()
    allowed[list(snapshot.related(interests))] = True
    allowed[[i for post_id in exclude if (i := snapshot.index_of.get(post_id)) is not None]] = False
    eligible = np.flatnonzero(allowed)
    if not eligible.size:
        return []
    draws = np.random.default_rng(rng.getrandbits(64)).beta(
        snapshot.alpha[eligible], snapshot.beta[eligible]
    )
    best = eligible[np.argsort(-draws, kind="stable")[:n]]
    picked = []
    for index in best.tolist():
        video = snapshot.videos[index]
        picked.append(Explored(video.post_id, video.tier, _match(video, interests) or "broad"))
    return picked
