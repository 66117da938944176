"""The features of a (viewer, video) pair that the outcome models read: built by one function
for training (from the log, as of the end of a viewer's history) and for serving (as of now),
so the two can never drift apart.

Viewer affinities are shares of the viewer's positive signal (comparable between a viewer with
ten events and one with a thousand); video rates are smoothed towards the platform's rates,
so a video with 3 views is not "100% completed".

The matrix is computed column by column over all the videos at once (numpy over the videos'
`Columns`), with the same floating-point operations in the same order as the one-video-at-a-
time definition, so the values are identical to it (tests/feed/test_for_you_features.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .catalogue import COUNT_FIELDS, EPOCH, Columns, Counts, Video, counts_matrix
from .profile import ViewerProfile

OUTCOMES = (
    "completion",
    "like",
    "share",
    "follow",
    "anchor_click",
    "add_to_cart",
    "purchase",
    "negative",
)
COMMERCE = ("anchor_click", "add_to_cart", "purchase")
# Outcomes a video's counters record, and the counter of each.
COUNTED = {
    "completion": "completions",
    "like": "likes",
    "share": "shares",
    "anchor_click": "anchor_clicks",
    "add_to_cart": "add_to_carts",
    "purchase": "purchases",
    "negative": "not_interested",
}
PRIOR_VIEWS = 20.0
# Completion depends on length: a 9-second clip is finished far more often than a 2-minute
# one. Rates are kept per length bucket so completion is judged against videos of its length.
LENGTH_BUCKETS_S = (15, 30, 60, 120)
FEATURES = (
    "engine_score",
    "engine_proposed",
    "tag_affinity",
    "tag_affinity_max",
    "creator_affinity",
    "category_affinity",
    "disliked_tag",
    "follows_creator",
    "carted_category",
    "log_views",
    *(f"rate_{name}" for name in COUNTED),
    "log_duration_s",
    "age_hours",
    "hard_sell",
    "sold_out",
    "history_signals",
)


def length_bucket(duration_ms: int | None) -> int:
    seconds = (duration_ms or 0) / 1000
    return sum(seconds >= edge for edge in LENGTH_BUCKETS_S)


def length_buckets(duration_ms: np.ndarray) -> np.ndarray:
    """`length_bucket` of each duration (0 for unknown)."""
    buckets = np.zeros(len(duration_ms), dtype=np.int64)
    for edge in LENGTH_BUCKETS_S:
        buckets += duration_ms / 1000 >= edge
    return buckets


@dataclass(frozen=True)
class BaseRates:
    """Platform-wide rate of each outcome per impression, and completion per length bucket."""

    overall: dict[str, float] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0.05))
    completion_by_length: tuple[float, ...] = (0.5, 0.4, 0.3, 0.25, 0.2)

    def of(self, outcome: str, video: Video) -> float:
        if outcome == "completion":
            return self.completion_by_length[length_bucket(video.duration_ms)]
        return self.overall[outcome]


@dataclass(frozen=True)
class ViewerContext:
    """Everything about the viewer that features need, computed once per page."""

    profile: ViewerProfile
    followed: frozenset[int]
    carted_categories: frozenset[int]
    tag_total: float
    creator_total: float
    category_total: float

    @classmethod
    def of(
        cls,
        profile: ViewerProfile,
        *,
        followed: frozenset[int],
        carted_categories: frozenset[int],
    ) -> ViewerContext:
        def positive_total(values: dict[int, float]) -> float:
            return sum(v for v in values.values() if v > 0) + 1.0

        return cls(
            profile,
            followed,
            carted_categories,
            positive_total(profile.hashtags),
            positive_total(profile.creators),
            positive_total(profile.categories),
        )


def feature_matrix(
    viewer: ViewerContext,
    videos: list[Video],
    *,
    engine_scores: Sequence[float] | np.ndarray,
    engine_proposed: Sequence[float] | np.ndarray,
    base: BaseRates,
    now: datetime,
    counts: list[Counts] | None = None,
    columns: Columns | None = None,
) -> np.ndarray:
    """One row of FEATURES per video. `counts` overrides the videos' own counters (training
    passes them without the labelled impression itself, so a rate never contains its label);
    `columns` are the videos' columns when the caller has them (the live catalogue's)."""
    columns = columns if columns is not None else Columns.of(videos)
    counted = columns.counts if counts is None else counts_matrix(counts)
    views = counted[:, COUNT_FIELDS.index("views")]
    profile = viewer.profile
    tags = _affinities(profile.hashtags, columns.hashtag_slot)[columns.hashtags]
    liked_tags = np.maximum(tags, 0.0)
    creators = _affinities(profile.creators, columns.creator_slot)[columns.creators]
    categories = _affinities(profile.categories, columns.category_slot)[columns.categories]
    carted = _flags(viewer.carted_categories, columns.category_slot)[columns.categories]
    followed = _flags(viewer.followed, columns.creator_slot)[columns.creators]
    now_us = (now - EPOCH) // timedelta(microseconds=1)
    rates = smoothed_rate_columns(counted, columns.duration_ms, base)
    values = [
        np.asarray(engine_scores, dtype=np.float64),
        np.asarray(engine_proposed, dtype=np.float64),
        _row_sums(liked_tags) / viewer.tag_total,
        _row_max(liked_tags) / viewer.tag_total,
        np.maximum(creators, 0.0) / viewer.creator_total,
        _row_sums(np.maximum(categories, 0.0)) / viewer.category_total,
        (tags < 0).any(axis=1),
        followed,
        carted.any(axis=1),
        # math.log1p, not numpy's: numpy's may differ in the last bit from the one-video version.
        [math.log1p(v) for v in views.tolist()],
        *rates,
        [math.log1p(ms / 1000) for ms in columns.duration_ms.tolist()],
        np.maximum(0.0, (now_us - columns.published_us) / 10**6 / 3600),
        columns.hard_sell,
        columns.sold_out,
        np.full(len(columns), math.log1p(profile.signals)),
    ]
    rows = np.empty((len(columns), len(FEATURES)), dtype=np.float32)
    for index, value in enumerate(values):
        rows[:, index] = value
    return rows


def smoothed_rate_columns(
    counted: np.ndarray, duration_ms: np.ndarray, base: BaseRates
) -> list[np.ndarray]:
    """Each counted outcome's rate per video, smoothed towards the platform's rate as if the
    video had PRIOR_VIEWS more views at it: one array per outcome, in COUNTED's order."""
    views = np.maximum(counted[:, COUNT_FIELDS.index("views")], 0).astype(np.float64)
    completion = np.array(base.completion_by_length, dtype=np.float64)[length_buckets(duration_ms)]
    columns = []
    for outcome, counter in COUNTED.items():
        rate = completion if outcome == "completion" else base.overall[outcome]
        counts = counted[:, COUNT_FIELDS.index(counter)].astype(np.float64)
        columns.append((counts + PRIOR_VIEWS * rate) / (views + PRIOR_VIEWS))
    return columns


def _affinities(values: dict[int, float], slot_of: dict[int, int]) -> np.ndarray:
    """The viewer's affinity to each slot's key, with 0.0 in the padding slot at the end."""
    vector = np.zeros(len(slot_of) + 1)
    for key, value in values.items():
        slot = slot_of.get(key)
        if slot is not None:
            vector[slot] = value
    return vector


def _flags(keys: frozenset[int], slot_of: dict[int, int]) -> np.ndarray:
    vector = np.zeros(len(slot_of) + 1, dtype=bool)
    vector[[slot for key in keys if (slot := slot_of.get(key)) is not None]] = True
    return vector


def _row_sums(values: np.ndarray) -> np.ndarray:
    """Each row's sum, added left to right like Python's sum() (numpy's pairwise summation
    could differ in the last bit); the padding adds 0.0, which changes nothing."""
    total = np.zeros(len(values))
    for column in values.T:
        total = total + column
    return total


def _row_max(values: np.ndarray) -> np.ndarray:
    if not values.shape[1]:
        return np.zeros(len(values))
    return values.max(axis=1)


def column(name: str) -> int:
    return FEATURES.index(name)
