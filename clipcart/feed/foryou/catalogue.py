"""The live videos For You chooses from, with what ranking needs to know about each: creator,
hashtags, tagged products and their categories and stock, length and counters.

The same for every viewer, so it is built in a fixed number of queries and kept in the cache
for a few seconds; the key carries media's live-set version, so a removed video is gone from
the next page at once. Each process also holds the copy it last read, for as long as the cache
still names that copy (a small pointer read per page instead of unpickling the catalogue).

Next to the videos it keeps their facts as arrays (`Columns`), so that ranking computes the
features of hundreds of candidates in a few numpy operations instead of a Python loop per video.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.snapshots import SharedSnapshot
from clipcart.media import selectors as media_selectors

from ..selectors import live_posts

WINDOW = timedelta(days=60)
LIMIT = 2000
TTL_S = 15
# Part of the cache key: a catalogue pickled by an older shape of these classes is not read back.
FORMAT = 3
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def _slots(keys: Sequence[tuple[int, ...]]) -> tuple[np.ndarray, dict[int, int], np.ndarray]:
    """Each row's keys as slots (V × the longest row, in the row's order), padded with the slot
    after the last one; the distinct keys in slot order; key → slot."""
    ids = list(dict.fromkeys(key for row in keys for key in row))
    slot_of = {key: slot for slot, key in enumerate(ids)}
    width = max((len(row) for row in keys), default=0)
    matrix = np.full((len(keys), width), len(ids), dtype=np.int64)
    for index, row in enumerate(keys):
        matrix[index, : len(row)] = [slot_of[key] for key in row]
    return matrix, slot_of, np.array(ids, dtype=np.int64)


@dataclass(frozen=True)
class Columns:
    """Facts of a list of videos as arrays, row i for the i-th video. Creators, hashtags and
    categories are numbered by slot (`*_slot`: id → slot), so a viewer's affinities become one
    vector per kind (with a last, padding slot), gathered for every video at once."""

    post_ids: np.ndarray
    creators: np.ndarray  # the creator's slot per video
    hashtags: np.ndarray  # V × T hashtag slots, in the video's order, padded
    categories: np.ndarray  # V × C category slots, in the video's order, padded
    creator_slot: dict[int, int]
    hashtag_slot: dict[int, int]
    category_slot: dict[int, int]
    duration_ms: np.ndarray  # 0 when unknown
    published_us: np.ndarray  # microseconds since the epoch
    hard_sell: np.ndarray
    sold_out: np.ndarray
    has_products: np.ndarray
    counts: np.ndarray  # V × the fields of Counts, in their order

    @classmethod
    def of(cls, videos: Sequence[Video]) -> Columns:
        creators, creator_slot, _ = _slots([(v.creator_id,) for v in videos])
        hashtags, hashtag_slot, _ = _slots([v.hashtags for v in videos])
        categories, category_slot, _ = _slots([v.categories for v in videos])
        return cls(
            post_ids=np.array([v.post_id for v in videos], dtype=np.int64),
            creators=creators[:, 0] if len(videos) else np.zeros(0, dtype=np.int64),
            hashtags=hashtags,
            categories=categories,
            creator_slot=creator_slot,
            hashtag_slot=hashtag_slot,
            category_slot=category_slot,
            duration_ms=np.array([v.duration_ms or 0 for v in videos], dtype=np.int64),
            published_us=np.array(
                [(v.published_at - EPOCH) // timedelta(microseconds=1) for v in videos],
                dtype=np.int64,
            ),
            hard_sell=np.array([v.hard_sell for v in videos], dtype=bool),
            sold_out=np.array([v.sold_out for v in videos], dtype=bool),
            has_products=np.array([bool(v.products) for v in videos], dtype=bool),
            counts=counts_matrix([v.counts for v in videos]),
        )

    def __len__(self) -> int:
        return len(self.post_ids)

    def take(self, rows: np.ndarray) -> Columns:
        """The given rows, in that order (slots keep their numbers)."""
        return Columns(
            post_ids=self.post_ids[rows],
            creators=self.creators[rows],
            hashtags=self.hashtags[rows],
            categories=self.categories[rows],
            creator_slot=self.creator_slot,
            hashtag_slot=self.hashtag_slot,
            category_slot=self.category_slot,
            duration_ms=self.duration_ms[rows],
            published_us=self.published_us[rows],
            hard_sell=self.hard_sell[rows],
            sold_out=self.sold_out[rows],
            has_products=self.has_products[rows],
            counts=self.counts[rows],
        )


COUNT_FIELDS = tuple(Counts.__dataclass_fields__)


def counts_matrix(counts: Sequence[Counts]) -> np.ndarray:
    return np.array(
        [[getattr(c, name) for name in COUNT_FIELDS] for c in counts], dtype=np.int64
    ).reshape(len(counts), len(COUNT_FIELDS))


@dataclass
class Catalogue:
    videos: dict[int, Video]
    hashtag_names: dict[int, str]
    category_names: dict[int, str]
    handles: dict[int, str]
    built_at: datetime
    columns: Columns | None = None  # of `videos`, in their order (built with them)
    row_of: dict[int, int] = field(default_factory=dict)  # post id → its row in `columns`
    # Tagged browsable products' categories (None: uncategorised), as of the build.
    product_categories: dict[int, int | None] = field(default_factory=dict)

    def columns_of(self, videos: Sequence[Video]) -> Columns:
        """The columns of `videos` (live videos of this catalogue), in that order."""
        if self.columns is None:
            return Columns.of(videos)
        rows = np.array([self.row_of[v.post_id] for v in videos], dtype=np.int64)
        return self.columns.take(rows)

    def by_hashtag(self) -> dict[int, list[int]]:
        index: dict[int, list[int]] = defaultdict(list)
        for video in self.videos.values():
            for tag in video.hashtags:
                index[tag].append(video.post_id)
        return index


# Keyed on media's live-set version: a removed video is gone from the next page at once.
_SHARED = SharedSnapshot(
    f"feed-catalogue:{FORMAT}", lambda: build_catalogue(now=timezone.now()), ttl_s=TTL_S
)


def live_catalogue() -> Catalogue:
    """The catalogue of the current live set, never older than TTL_S, shared by every page
    and held by each process between reads (core/snapshots.py)."""
    return _SHARED.get(version=media_selectors.live_set_version())


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
        columns=Columns.of(list(videos.values())),
        row_of={post_id: row for row, post_id in enumerate(videos)},
        product_categories={p: fact.category_id for p, fact in facts.items()},
    )
