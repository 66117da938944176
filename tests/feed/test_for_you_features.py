"""The For You ranker's vectorised steps give exactly what the straightforward one-video-at-a-
time versions give: features, scores and their terms, and one engine pass for the engine's own
candidates and the other sources' videos (serving computes them with numpy over the catalogue's
arrays; these references are the definitions they replaced)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clipcart.feed.foryou import candidates as sources
from clipcart.feed.foryou.catalogue import Catalogue, Columns, Counts, Video
from clipcart.feed.foryou.features import (
    COUNTED,
    FEATURES,
    OUTCOMES,
    PRIOR_VIEWS,
    BaseRates,
    ViewerContext,
    feature_matrix,
)
from clipcart.feed.foryou.model import LiveModel
from clipcart.feed.foryou.outcomes import value, value_columns
from clipcart.feed.foryou.profile import ViewerProfile
from clipcart.feed.foryou.training import engine_scores, viewer_batch
from clipcart.feed.history import Interaction
from clipcart.feed.models import Event
from clipcart.feed.recsys import Engine, EngineConfig, InteractionLog, build_interactions

NOW = datetime(2026, 11, 22, 7, 0, 0, 123456, tzinfo=UTC)


# --- The straightforward definitions -------------------------------------------------------------


def reference_rates(counts: Counts, base: BaseRates, video: Video) -> dict[str, float]:
    views = max(counts.views, 0)
    return {
        outcome: (getattr(counts, counter) + PRIOR_VIEWS * base.of(outcome, video))
        / (views + PRIOR_VIEWS)
        for outcome, counter in COUNTED.items()
    }


def reference_row(viewer, video, counts, *, engine_score, engine_proposed, base, now):
    profile = viewer.profile
    tags = [profile.hashtags.get(tag, 0.0) for tag in video.hashtags]
    categories = [profile.categories.get(c, 0.0) for c in video.categories]
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
        *reference_rates(counts, base, video).values(),
        math.log1p((video.duration_ms or 0) / 1000),
        max(0.0, (now - video.published_at).total_seconds() / 3600),
        float(video.hard_sell),
        float(video.sold_out),
        math.log1p(profile.signals),
    ]


def reference_matrix(viewer, videos, *, engine_scores, engine_proposed, base, now, counts=None):
    rows = np.empty((len(videos), len(FEATURES)), dtype=np.float32)
    for row, video in enumerate(videos):
        rows[row] = reference_row(
            viewer,
            video,
            counts[row] if counts is not None else video.counts,
            engine_score=float(engine_scores[row]),
            engine_proposed=float(engine_proposed[row]),
            base=base,
            now=now,
        )
    return rows


def reference_value(predictions, videos, *, weights, base):
    scored = []
    for row, video in enumerate(videos):
        terms = {}
        for outcome in OUTCOMES:
            if outcome in ("anchor_click", "add_to_cart", "purchase") and (
                video.sold_out or not video.products
            ):
                terms[outcome] = 0.0
                continue
            lift = predictions[outcome][row] / max(base.of(outcome, video), 1e-6)
            terms[outcome] = weights[outcome] * float(min(lift, 10.0))
        scored.append((round(sum(terms.values()), 9), terms))
    return scored


def reference_engine(model, history, catalogue, videos, *, now):
    """The engine run twice, as serving did: once for its own candidates, once to score the
    other sources' videos."""
    engine = model.engine
    batch = viewer_batch(history, model.codes, n_items=len(model.codes), now=now)
    found = engine.candidates(batch)
    proposals = []
    if found.valid.any():
        items = found.items[found.valid]
        order = np.argsort(-engine.predict(found), kind="stable")[: sources.ENGINE_TOP]
        origin = engine.proposed_by(found)
        names = [source.name for source in engine.sources]
        for index in order:
            post_id = int(model.posts[items[index]])
            if post_id in catalogue.videos and origin[index] >= 0:
                proposals.append((post_id, names[origin[index]]))
    scores, proposed, _ = engine_scores(engine, model.codes, batch, videos)
    return proposals, scores.tolist(), proposed.tolist()


# --- Random but repeatable worlds ----------------------------------------------------------------


def random_videos(rng: random.Random, n: int) -> list[Video]:
    videos = []
    for post_id in range(1, n + 1):
        products = tuple(rng.sample(range(500, 520), rng.choice((0, 0, 1, 2))))
        videos.append(
            Video(
                post_id=post_id,
                creator_id=rng.randrange(100, 112),
                published_at=NOW - timedelta(seconds=rng.uniform(-600, 40 * 86_400)),
                duration_ms=rng.choice((None, 0, 9_000, 15_000, 29_999, 61_500, 150_000)),
                paid_partnership=rng.random() < 0.1,
                hashtags=tuple(rng.sample(range(200, 230), rng.randrange(0, 5))),
                products=products,
                categories=tuple(rng.sample(range(300, 306), min(len(products), 2))),
                sold_out=bool(products) and rng.random() < 0.3,
                counts=random_counts(rng),
            )
        )
    return videos


def random_counts(rng: random.Random) -> Counts:
    views = rng.choice((0, 1, 3, rng.randrange(0, 5000)))
    return Counts(views, *(rng.randrange(0, views + 1) for _ in range(7)))


def random_viewer(rng: random.Random) -> ViewerContext:
    def affinities(keys: range) -> dict[int, float]:
        chosen = rng.sample(list(keys), rng.randrange(0, len(keys) // 2))
        return {k: rng.uniform(-6.0, 9.0) / rng.choice((1, 3, 7)) for k in chosen}

    profile = ViewerProfile(
        hashtags=affinities(range(195, 235)),  # some the catalogue does not have
        creators=affinities(range(98, 114)),
        categories=affinities(range(300, 308)),
        signals=rng.randrange(0, 300),
    )
    return ViewerContext.of(
        profile,
        followed=frozenset(rng.sample(range(98, 114), rng.randrange(0, 5))),
        carted_categories=frozenset(rng.sample(range(300, 308), rng.randrange(0, 3))),
    )


def random_base(rng: random.Random) -> BaseRates:
    return BaseRates(
        overall={o: rng.uniform(0.001, 0.6) for o in OUTCOMES},
        completion_by_length=tuple(rng.uniform(0.05, 0.9) for _ in range(5)),
    )


@pytest.mark.parametrize("seed", range(25))
def test_the_feature_matrix_equals_the_row_by_row_definition(seed):
    rng = random.Random(seed)
    videos = random_videos(rng, rng.randrange(1, 120))
    viewer, base = random_viewer(rng), random_base(rng)
    scores = [rng.choice((math.nan, rng.uniform(-3, 3))) for _ in videos]
    proposed = [float(rng.random() < 0.5) for _ in videos]
    kwargs = dict(engine_scores=scores, engine_proposed=proposed, base=base, now=NOW)

    expected = reference_matrix(viewer, videos, **kwargs)

    assert np.array_equal(feature_matrix(viewer, videos, **kwargs), expected, equal_nan=True)
    columns = Columns.of(random_videos(rng, 5) + videos).take(np.arange(5, 5 + len(videos)))
    served = feature_matrix(viewer, videos, columns=columns, **kwargs)
    assert np.array_equal(served, expected, equal_nan=True)


def test_training_counters_override_the_videos_own_in_the_feature_matrix():
    rng = random.Random(7)
    videos = random_videos(rng, 40)
    counts = [random_counts(rng) for _ in videos]
    viewer, base = random_viewer(rng), random_base(rng)
    kwargs = dict(engine_scores=[0.0] * 40, engine_proposed=[0.0] * 40, base=base, now=NOW)

    matrix = feature_matrix(viewer, videos, counts=counts, **kwargs)

    assert np.array_equal(matrix, reference_matrix(viewer, videos, counts=counts, **kwargs))


def test_no_videos_make_an_empty_feature_matrix():
    viewer = random_viewer(random.Random(1))
    kwargs = dict(engine_scores=[], engine_proposed=[], base=BaseRates(), now=NOW)

    assert feature_matrix(viewer, [], **kwargs).shape == (0, len(FEATURES))


@pytest.mark.parametrize("seed", range(25))
def test_scores_and_terms_equal_the_video_by_video_definition(seed):
    rng = random.Random(seed)
    videos = random_videos(rng, rng.randrange(1, 120))
    base = random_base(rng)
    predictions = {o: np.array([rng.random() ** 3 for _ in videos]) for o in OUTCOMES}
    weights = {o: rng.uniform(-10, 5) for o in OUTCOMES}

    expected = reference_value(predictions, videos, weights=weights, base=base)

    got = [(s.score, s.terms) for s in value(predictions, videos, weights=weights, base=base)]
    assert got == expected
    scores, terms = value_columns(predictions, Columns.of(videos), weights=weights, base=base)
    assert scores == [score for score, _ in expected]
    assert [dict(zip(OUTCOMES, row, strict=True)) for row in terms.tolist()] == [
        t for _, t in expected
    ]


# --- One engine pass ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_world():
    """An engine fitted on a synthetic log of 300 viewers and 60 videos in three niches, and a
    catalogue of those videos plus 10 the engine never saw."""
    rng = random.Random(3)
    users, items, times = [], [], []
    start = int((NOW - timedelta(days=20)).timestamp())
    for user in range(300):
        niche = user % 3
        t = start + rng.randrange(0, 86_400)
        for _ in range(rng.randrange(3, 25)):
            item = niche * 20 + rng.randrange(0, 20) if rng.random() < 0.8 else rng.randrange(60)
            t += rng.randrange(30, 20_000)
            users.append(f"u{user}")
            items.append(str(1000 + item))
            times.append(t)
    data = build_interactions(InteractionLog(users, items, np.array(times, dtype=np.int64)))
    config = EngineConfig(per_source=12, ranker_users=300, trees=20, als_iterations=3)
    engine = Engine(config=config)
    engine.fit(data)
    engine.forget_users()
    codes = {int(item): code for code, item in enumerate(data.item_ids.ids)}
    posts = np.zeros(len(codes), dtype=np.int64)
    for post_id, code in codes.items():
        posts[code] = post_id
    videos = [replace(v, post_id=1000 + i) for i, v in enumerate(random_videos(rng, 70))]
    catalogue = Catalogue(
        videos={v.post_id: v for v in videos},
        hashtag_names={},
        category_names={},
        handles={},
        built_at=NOW,
        columns=Columns.of(videos),
        row_of={v.post_id: row for row, v in enumerate(videos)},
    )
    return LiveModel(engine, codes, posts), catalogue, rng


@pytest.mark.parametrize("history_length", [0, 1, 4, 30])
def test_one_engine_pass_proposes_and_scores_as_two_passes_did(engine_world, history_length):
    model, catalogue, rng = engine_world
    history = [
        Interaction(
            rng.choice((Event.Type.COMPLETE, Event.Type.VIEW_PROGRESS, Event.Type.IMPRESSION)),
            NOW - timedelta(minutes=10 * n),
            rng.choice(list(catalogue.videos)),
            None,
            5000,
        )
        for n in range(history_length)
    ]
    others = rng.sample(list(catalogue.videos), 25)

    proposals, view = sources.engine_pass(model, history, catalogue, also=others, now=NOW)

    proposed_ids = [p.post_id for p in proposals]
    scored = list(dict.fromkeys(proposed_ids + others))
    expected, scores, flags = reference_engine(model, history, catalogue, scored, now=NOW)
    assert [(p.post_id, p.source) for p in proposals] == expected
    assert np.array_equal([view.score(p) for p in scored], scores, equal_nan=True)
    assert [view.proposed_flag(p) for p in scored] == flags
