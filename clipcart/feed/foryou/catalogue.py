"""The live videos For You chooses from, with what ranking needs to know about each: creator,
hashtags, tagged products and their categories and stock, length and counters.

The same for every viewer, so it is built in a fixed number of queries and kept in the cache
for a few seconds; the key carries media's live-set version, so a removed video is gone from
the next page at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.media import selectors as media_selectors

from ..selectors import live_posts

WINDOW = timedelta(days=60)
LIMIT = 2000
TTL_S = 15


@dataclass(frozen=True)
class Counts:
    """A video's rolled-up counters (exact as of the last roll-up)."""

    views: int = 0
    completions: int = 0
    likes: int = 0
    shares: int = 0
    anchor_clicks: int = 0
    add_to_carts: int = 0
    purchases: int = 0
    not_interested: int = 0


@dataclass(frozen=True)
class Video:
    post_id: int
    creator_id: int
    published_at: datetime
    duration_ms: int | None
    paid_partnership: bool
    hashtags: tuple[int, ...]
    products: tuple[int, ...]  # tagged catalogue products that are browsable
    categories: tuple[int, ...]
    sold_out: bool  # tags products, none of which can be bought now
    counts: Counts = field(default_factory=Counts)

    @property
    def hard_sell(self) -> bool:
        """Selling is the point of it: it tags products or is a paid partnership."""
        return bool(self.products) or self.paid_partnership


@dataclass
class Catalogue:
    videos: dict[int, Video]
    hashtag_names: dict[int, str]
    category_names: dict[int, str]
    handles: dict[int, str]
    built_at: datetime

    def by_hashtag(self) -> dict[int, list[int]]:
        index: dict[int, list[int]] = defaultdict(list)
        for video in self.videos.values():
            for tag in video.hashtags:
                index[tag].append(video.post_id)
        return index


def live_catalogue() -> Catalogue:
    key = f"feed:catalogue:{media_selectors.live_set_version()}"
    catalogue = cache.get(key)
    if catalogue is None:
        catalogue = build_catalogue(now=timezone.now())
        cache.set(key, catalogue, timeout=TTL_S)
    return catalogue


def build_catalogue(*, now: datetime) -> Catalogue:
    rows = list(
        live_posts()
        .filter(published_at__gte=now - WINDOW)
        .order_by("-published_at", "-pk")
        .values_list(
            "pk",
            "creator_id",
            "published_at",
            "duration_ms",
            "is_paid_partnership",
            "like_count",
            "stats__views",
            "stats__completions",
            "stats__shares",
            "stats__anchor_clicks",
            "stats__add_to_carts",
            "stats__purchases",
            "stats__not_interested",
        )[:LIMIT]
    )
    post_ids = [row[0] for row in rows]
    tags = media_selectors.hashtag_ids_of(post_ids)
    products = media_selectors.tagged_product_ids(post_ids)
    facts = catalog_selectors.product_facts({p for ids in products.values() for p in ids})
    videos = {}
    for pk, creator, published, duration, paid, likes, *stats in rows:
        tagged = tuple(p for p in products.get(pk, ()) if p in facts)
        videos[pk] = Video(
            post_id=pk,
            creator_id=creator,
            published_at=published,  # type: ignore[arg-type]  # ready posts are published
            duration_ms=duration,
            paid_partnership=paid,
            hashtags=tuple(tags.get(pk, ())),
            products=tagged,
            categories=tuple(
                dict.fromkeys(c for p in tagged if (c := facts[p].category_id) is not None)
            ),
            sold_out=bool(tagged) and not any(facts[p].in_stock for p in tagged),
            counts=Counts(stats[0] or 0, stats[1] or 0, likes, *(s or 0 for s in stats[2:])),
        )
    return Catalogue(
        videos=videos,
        hashtag_names=media_selectors.hashtag_names(t for v in videos.values() for t in v.hashtags),
        category_names=catalog_selectors.category_names(),
        handles=account_selectors.handles_of({v.creator_id for v in videos.values()}),
        built_at=now,
    )
