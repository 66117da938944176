"""The features of a (viewer, video) pair that the outcome models read: built by one function
for training (from the log, as of the end of a viewer's history) and for serving (as of now),
so the two can never drift apart.

Viewer affinities are shares of the viewer's positive signal (comparable between a viewer with
ten events and one with a thousand); video rates are smoothed towards the platform's rates,
so a video with 3 views is not "100% completed".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .catalogue import Counts, Video
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


@dataclass(frozen=True)
class BaseRates:
    """Platform-wide rate of each outcome per impression, and completion per length bucket."""

    overall: dict[str, float] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0.05))
    completion_by_length: tuple[float, ...] = (0.5, 0.4, 0.3, 0.25, 0.2)

    def of(self, outcome: str, video: Video) -> float:
        if outcome == "completion":
            return self.completion_by_length[length_bucket(video.duration_ms)]
        return self.overall[outcome]


def smoothed_rates(counts: Counts, base: BaseRates, video: Video) -> dict[str, float]:
    views = max(counts.views, 0)
    return {
        outcome: (getattr(counts, counter) + PRIOR_VIEWS * base.of(outcome, video))
        / (views + PRIOR_VIEWS)
        for outcome, counter in COUNTED.items()
    }


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
) -> np.ndarray:
    """One row of FEATURES per video. `counts` overrides the videos' own counters (training
    passes them without the labelled impression itself, so a rate never contains its label)."""
    rows = np.empty((len(videos), len(FEATURES)), dtype=np.float32)
    for row, video in enumerate(videos):
        rows[row] = _row(
            viewer,
            video,
            counts[row] if counts is not None else video.counts,
            engine_score=float(engine_scores[row]),
            engine_proposed=float(engine_proposed[row]),
            base=base,
            now=now,
        )
    return rows


def _row(
    viewer: ViewerContext,
    video: Video,
    counts: Counts,
    *,
    engine_score: float,
    engine_proposed: float,
    base: BaseRates,
    now: datetime,
) -> list[float]:
    profile = viewer.profile
    tags = [profile.hashtags.get(tag, 0.0) for tag in video.hashtags]
    categories = [profile.categories.get(c, 0.0) for c in video.categories]
    rates = smoothed_rates(counts, base, video)
    return [
        engine_score,
        engine_proposed,
        sum(max(t, 0.0) for t in tags) / viewer.tag_total,
        max((max(t, 0.0) for t in tags), default=0.0) / viewer.tag_total,
        max(profile.creators.get(video.creator_id, 0.0), 0.0) / viewer.creator_total,
        sum(max(c, 0.0) for c in categories) / viewer.category_total,
        float(any(t < 0 for t in tags)),
        float(video.creator_id in viewer.followed),
        float(bool(set(video.categories) & viewer.carted_categories)),
        math.log1p(counts.views),
        *rates.values(),
        math.log1p((video.duration_ms or 0) / 1000),
        max(0.0, (now - video.published_at).total_seconds() / 3600),
        float(video.hard_sell),
        float(video.sold_out),
        math.log1p(profile.signals),
    ]


def column(name: str) -> int:
    return FEATURES.index(name)
