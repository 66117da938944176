"""Live counters of posts and "popular in your region", as the For You ranker and exploration
read them.

Without Redis the counters are the rolled-up PostStats (exact as of the last roll-up). With
REDIS_URL set, ingestion also increments a hash per post in the same pipeline that records the
viewer's history, counting only newly stored events, so the counts are exact in real time.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from clipcart.media import selectors as media_selectors
from clipcart.media.models import Post

# The module, not its names: the ranker in selectors may import this module in turn.
from . import history
from . import selectors as feed_selectors
from .models import Event, RegionPostDay

logger = logging.getLogger(__name__)

POPULAR_TTL_S = 60


@dataclass(frozen=True)
class PostCounts:
    impressions: int = 0
    completions: int = 0
    watch_ms: int = 0
    shares: int = 0
    anchor_clicks: int = 0
    add_to_carts: int = 0
    purchases: int = 0
    not_interested: int = 0
    likes: int = 0  # Post.like_count: likes can be taken back, so no event counts them


# PostCounts field → its PostStats column.
_STATS_COLUMNS = {
    "impressions": "views",
    "completions": "completions",
    "watch_ms": "watch_ms",
    "shares": "shares",
    "anchor_clicks": "anchor_clicks",
    "add_to_carts": "add_to_carts",
    "purchases": "purchases",
    "not_interested": "not_interested",
}
# Event type → the one-letter hash field it increments (by one; view progress by its watch_ms).
_HASH_FIELDS = {
    Event.Type.IMPRESSION: "i",
    Event.Type.COMPLETE: "c",
    Event.Type.VIEW_PROGRESS: "w",
    Event.Type.SHARE: "s",
    Event.Type.ANCHOR_CLICK: "a",
    Event.Type.ADD_TO_CART: "t",
    Event.Type.PURCHASE: "p",
    Event.Type.NOT_INTERESTED: "n",
}
_FIELD_NAMES = {
    "i": "impressions",
    "c": "completions",
    "w": "watch_ms",
    "s": "shares",
    "a": "anchor_clicks",
    "t": "add_to_carts",
    "p": "purchases",
    "n": "not_interested",
}


def counters_key(post_id: int) -> str:
    return f"feed:c:{post_id}"


# --- Live counters ------------------------------------------------------------------------------


def queue_increments(pipe: redis.client.Pipeline, interactions: list[history.Interaction]) -> None:
    """Adds newly stored events (each once) to their posts' hashes in `pipe`."""
    increments: Counter = Counter()
    for item in interactions:
        name = _HASH_FIELDS.get(Event.Type(item.type))
        if item.video_id is None or name is None:
            continue
        amount = (item.watch_ms or 0) if name == "w" else 1
        if amount:
            increments[(item.video_id, name)] += amount
    for (post_id, name), amount in increments.items():
        pipe.hincrby(counters_key(post_id), name, amount)


def post_counts(post_ids: Iterable[int]) -> dict[int, PostCounts]:
    """Counts of each post, zeros for a post nobody has seen (or that no longer exists).

    One query without Redis (PostStats); with Redis, one round trip and one query for likes. If
    Redis is unreachable the rolled-up PostStats answer instead, a little behind."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return {}
    if settings.REDIS_URL:
        try:
            return _live_counts(ids)
        except redis.RedisError as error:
            logger.warning("Redis unreachable, post counts read from the roll-up: %s", error)
    return _rolled_up_counts(ids)


def _rolled_up_counts(ids: list[int]) -> dict[int, PostCounts]:
    columns = [f"stats__{column}" for column in _STATS_COLUMNS.values()]
    rows = Post.objects.filter(pk__in=ids).values_list("pk", "like_count", *columns)
    found = {
        pk: PostCounts(
            **{name: value or 0 for name, value in zip(_STATS_COLUMNS, values, strict=True)},
            likes=likes,
        )
        for pk, likes, *values in rows
    }
    return {pk: found.get(pk, PostCounts()) for pk in ids}


def _live_counts(ids: list[int]) -> dict[int, PostCounts]:
    with history.redis_client().pipeline(transaction=False) as pipe:
        for pk in ids:
            pipe.hgetall(counters_key(pk))
        hashes = pipe.execute()
    likes = dict(Post.objects.filter(pk__in=ids).values_list("pk", "like_count"))
    counts = {}
    for pk, raw in zip(ids, hashes, strict=True):
        values = {_FIELD_NAMES[name.decode()]: int(value) for name, value in raw.items()}
        counts[pk] = PostCounts(**values, likes=likes.get(pk, 0))
    return counts


# --- Popular in a region ------------------------------------------------------------------------


def popular_in_region(region: str, *, days: int = 7, limit: int = 300) -> list[int]:
    """Live post ids, most viewed by viewers of `region` over the last `days` UTC days first
    (ties: the newer post first). A region with fewer than `limit` viewed posts is filled with
    the most viewed posts overall, then the newest, so a new region still gets a feed.

    The same for everyone in the region and built from rolled-up counts, so cached for a
    minute; the key carries media's live-set version, so a removed post leaves at once."""
    key = f"feed:popular:{region}:{days}:{limit}:{media_selectors.live_set_version()}"
    post_ids = cache.get(key)
    if post_ids is None:
        post_ids = _query_popular(region, days=days, limit=limit)
        cache.set(key, post_ids, timeout=POPULAR_TTL_S)
    return post_ids


def _query_popular(region: str, *, days: int, limit: int) -> list[int]:
    first_day = timezone.now().astimezone(UTC).date() - timedelta(days=days - 1)
    regional = list(
        RegionPostDay.objects.filter(
            region=region, day__gte=first_day, post__in=feed_selectors.live_posts().values("pk")
        )
        .values("post_id")
        .annotate(total=Sum("views"))
        .order_by("-total", "-post__published_at", "-post_id")
        .values_list("post_id", flat=True)[:limit]
    )
    if len(regional) >= limit:
        return regional
    overall = (
        feed_selectors.live_posts()
        .exclude(pk__in=regional)
        .order_by(Coalesce("stats__views", 0).desc(), "-published_at", "-pk")
        .values_list("pk", flat=True)[: limit - len(regional)]
    )
    return regional + list(overall)
