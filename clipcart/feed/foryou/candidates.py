"""Candidate sources of the live For You, each a small function from the viewer and the live
catalogue to post ids it proposes, with what made it propose them (for the reason shown).

The engine's sources (co-visitation, transitions, ALS, trending, fresh, popular) run inside
the trained engine; the feed adds the sources only it can know: followed creators, trending in
the viewer's hashtags and region, videos tagging products like those the viewer carted or
bought, the fresh pool, and popular in the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .catalogue import Catalogue, Video
from .model import LiveModel
from .profile import ViewerProfile
from .training import engine_scores, viewer_batch

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
    """The engine's opinion of the candidates: ranker score, proposed flag and source."""

    scores: dict[int, float]
    proposed: dict[int, float]
    source: dict[int, str]


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
        Proposal(v.post_id, _age_source(v, now=now))
        for v in videos
        if v.post_id not in exclude
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


def engine_proposals(
    model: LiveModel, profile_history, catalogue: Catalogue, *, now: datetime
) -> tuple[list[Proposal], object]:
    """The engine's own candidates for the viewer (its best ENGINE_TOP by the ranker) and the
    one-viewer batch, reused to score the other sources' candidates."""
    engine = model.engine
    if engine is None:
        return [], None
    batch = viewer_batch(profile_history, model.codes, n_items=len(model.codes), now=now)
    found = engine.candidates(batch)
    if not found.valid.any():
        return [], batch
    items = found.items[found.valid]
    order = np.argsort(-engine.predict(found), kind="stable")[:ENGINE_TOP]
    origin = engine.proposed_by(found)
    names = [source.name for source in engine.sources]
    proposals = []
    for index in order:
        post_id = int(model.posts[items[index]])
        if post_id in catalogue.videos and origin[index] >= 0:
            proposals.append(Proposal(post_id, names[origin[index]]))
    return proposals, batch


def engine_view(model: LiveModel, batch, videos: list[Video]) -> EngineView:
    ids = [v.post_id for v in videos]
    scores, proposed, source = engine_scores(model.engine, model.codes, batch, ids)
    names = [s.name for s in model.engine.sources] if model.engine else []
    return EngineView(
        scores=dict(zip(ids, scores.tolist(), strict=True)),
        proposed=dict(zip(ids, proposed.tolist(), strict=True)),
        source={i: names[s] for i, s in zip(ids, source.tolist(), strict=True) if s >= 0},
    )
