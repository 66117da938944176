"""Candidate sources of the live For You, each a small function from the viewer and the live
catalogue to post ids it proposes, with what made it propose them (for the reason shown).

The engine's sources (co-visitation, transitions, ALS, trending, fresh, popular) run inside
the trained engine; the feed adds the sources only it can know: followed creators, trending in
the viewer's hashtags and region, videos tagging products like those the viewer carted or
bought, the fresh pool, and popular in the region.

The engine runs once per page: one pass over the viewer proposes its own candidates and, in the
same pass, scores the videos the other sources proposed (a video's features, and so its score,
do not depend on which other videos are in the pass).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from ..recsys import Engine
from ..recsys.engine import Candidates
from .catalogue import Catalogue, Video
from .model import LiveModel
from .outcomes import PREDICT_THREADS
from .profile import ViewerProfile
from .training import viewer_batch

PER_SOURCE = 30
ENGINE_TOP = 150
TOP_HASHTAGS = 5
FRESH_FOR = timedelta(days=3)


@dataclass(frozen=True)
class Proposal:
    post_id: int
    source: str  # "followed", "hashtag", "carted", an engine source's name, "fresh", "popular"
    detail: int | None = None  # the hashtag or category that matched


@dataclass
class EngineView:
    """The engine's opinion of the videos of its pass: ranker score, and whether one of its
    sources proposed the video. A video outside the pass (unknown to the engine) has neither."""

    scores: dict[int, float] = field(default_factory=dict)
    proposed: dict[int, float] = field(default_factory=dict)

    def score(self, post_id: int) -> float:
        return self.scores.get(post_id, np.nan)

    def proposed_flag(self, post_id: int) -> float:
        return self.proposed.get(post_id, 0.0)


def followed(catalogue: Catalogue, followed_ids: frozenset[int]) -> list[Proposal]:
    videos = [v for v in catalogue.videos.values() if v.creator_id in followed_ids]
    videos.sort(key=lambda v: v.published_at, reverse=True)
    return [Proposal(v.post_id, "followed") for v in videos[:PER_SOURCE]]


def hashtag_trending(
    catalogue: Catalogue, profile: ViewerProfile, *, popular: list[int]
) -> list[Proposal]:
    """The viewer's favourite hashtags' videos, most viewed in their region first."""
    rank = {post_id: n for n, post_id in enumerate(popular)}
    by_tag = catalogue.by_hashtag()
    proposals: list[Proposal] = []
    for tag, _ in profile.liked("hashtag", limit=TOP_HASHTAGS):
        tagged = sorted(by_tag.get(tag, ()), key=lambda p: (rank.get(p, len(rank)), -p))
        proposals += [Proposal(p, "hashtag", tag) for p in tagged[:PER_SOURCE]]
    return proposals


def carted_related(catalogue: Catalogue, carted_categories: frozenset[int]) -> list[Proposal]:
    """Videos tagging products in the categories of what the viewer carted or bought."""
    proposals = []
    for video in sorted(catalogue.videos.values(), key=lambda v: -v.counts.views):
        matched = [c for c in video.categories if c in carted_categories]
        if matched and not video.sold_out:
            proposals.append(Proposal(video.post_id, "carted", matched[0]))
    return proposals[:PER_SOURCE]


def fresh(catalogue: Catalogue, *, now: datetime) -> list[Proposal]:
    videos = [v for v in catalogue.videos.values() if v.published_at >= now - FRESH_FOR]
    videos.sort(key=lambda v: v.published_at, reverse=True)
    return [Proposal(v.post_id, "fresh") for v in videos[:PER_SOURCE]]


def backfill(catalogue: Catalogue, *, exclude: set[int], now: datetime) -> list[Proposal]:
    """Every other live video, newest first: what a small instance shows once its popular and
    personal sources run dry."""
    videos = sorted(catalogue.videos.values(), key=lambda v: v.published_at, reverse=True)
    return [
        Proposal(v.post_id, _age_source(v, now=now)) for v in videos if v.post_id not in exclude
    ]


def popular(catalogue: Catalogue, popular_ids: list[int]) -> list[Proposal]:
    """The region's most viewed videos, in order; a video nobody has viewed yet is not
    "popular" (the list fills up with the newest), so its reason says it is new."""
    proposals = []
    for post_id in popular_ids:
        video = catalogue.videos.get(post_id)
        if video is not None:
            fresh_or_recent = _age_source(video, now=catalogue.built_at)
            source = "popular_region" if video.counts.views else fresh_or_recent
            proposals.append(Proposal(post_id, source))
    return proposals


def _age_source(video: Video, *, now: datetime) -> str:
    return "fresh" if video.published_at >= now - FRESH_FOR else "recent"


def engine_pass(
    model: LiveModel,
    history,
    catalogue: Catalogue,
    *,
    also: Iterable[int],
    now: datetime,
) -> tuple[list[Proposal], EngineView]:
    """The engine's own candidates for the viewer (its best ENGINE_TOP by the ranker, best
    first) and its view of them and of the `also` videos it knows, from one pass."""
    engine = model.engine
    if engine is None:
        return [], EngineView()
    batch = viewer_batch(history, model.codes, n_items=len(model.codes), now=now)
    extra = [model.codes[p] for p in also if p in model.codes]
    found = engine.candidates(batch, extra=np.array([extra], dtype=np.int64) if extra else None)
    items = found.items[found.valid]
    if not len(items):
        return [], EngineView()
    scores = _ranker_scores(engine, found)
    origin = engine.proposed_by(found)
    post_ids = model.posts[items].tolist()
    view = EngineView(
        scores=dict(zip(post_ids, scores.tolist(), strict=True)),
        proposed=dict(zip(post_ids, (origin >= 0).astype(np.float64).tolist(), strict=True)),
    )
    # The engine's own candidates are the items its sources proposed (in code order, as a pass
    # without the extra items lists them), best first; ties keep that order.
    own = np.flatnonzero(origin >= 0)
    order = own[np.argsort(-scores[own], kind="stable")[:ENGINE_TOP]]
    names = [source.name for source in engine.sources]
    origins = origin.tolist()
    proposals = [
        Proposal(post_ids[index], names[origins[index]])
        for index in order.tolist()
        if post_ids[index] in catalogue.videos
    ]
    return proposals, view


def _ranker_scores(engine: Engine, found: Candidates) -> np.ndarray:
    """`engine.predict(found)` on this thread only (see outcomes.PREDICT_THREADS)."""
    if engine.ranker is None:
        return engine.predict(found)
    predicted = engine.ranker.predict(found.features, num_threads=PREDICT_THREADS)
    return np.asarray(predicted, dtype=np.float64)
