"""Retraining For You from the event log (the `feed.retrain_recommender` beat task).

Only adults who said yes to personalization are learned from. The log's last LABEL_SHARE of
time labels the outcome models: each viewer's profile and the engine are built from what came
before it, exactly as serving builds them from what came before now, and the viewers'
impressions after it say what they then did. The engine served afterwards is refitted on
everything, and keeps no per-user data.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors

from ..history import Interaction
from ..models import Event
from ..recsys import Engine, EngineConfig, build_interactions
from ..recsys.data import UserBatch
from ..recsys.log import InteractionLog
from . import model as model_store
from .catalogue import Catalogue, Counts, build_catalogue
from .features import (
    COUNTED,
    FEATURES,
    OUTCOMES,
    BaseRates,
    ViewerContext,
    feature_matrix,
    length_bucket,
)
from .outcomes import train_outcomes
from .profile import ENGAGED, VideoSignal, build_profile

log = logging.getLogger(__name__)

WINDOW = timedelta(days=30)
LABEL_SHARE = 0.25
MIN_ENGAGED = 200  # fewer engaged events than this: no engine (counters and affinities serve)
MIN_USERS = 10
MAX_LABELLED_VIEWERS = 5000
ENGINE_CONFIG = EngineConfig(per_source=50, ranker_users=8000, trees=200)


@dataclass(frozen=True)
class LoggedEvent:
    actor: str
    type: str
    ts: datetime
    video_id: int | None
    product_id: int | None
    watch_ms: int | None

    def interaction(self) -> Interaction:
        return Interaction(self.type, self.ts, self.video_id, self.product_id, self.watch_ms)


def retrain(*, now: datetime | None = None) -> int | None:
    """Trains and stores a new model; returns its id, or None when there is nothing to learn
    from yet."""
    started = time.monotonic()
    now = now or timezone.now()
    events = training_events(now=now)
    if not events:
        return None
    catalogue = build_catalogue(now=now)
    signals = pair_signals(events)
    base = base_rates(signals, catalogue)
    split = split_time(events)
    labelled = labelled_examples(events, signals, catalogue, base, split=split)
    outcomes = train_outcomes(labelled.features, labelled.labels, base)
    engine, codes = fit_engine(events)
    posts = np.zeros(len(codes), dtype=np.int64)
    for post_id, code in codes.items():
        posts[code] = post_id
    live = model_store.LiveModel(engine, codes, posts, outcomes, trained_at=now)
    seconds = time.monotonic() - started
    summary = {
        "viewers": len({e.actor for e in events}),
        "labelled_impressions": len(labelled.features),
        "positives": outcomes.positives,
        "learned": sorted(outcomes.boosters),
        "engine": engine is not None,
    }
    row = model_store.save(live, events=len(events), seconds=seconds, summary=summary)
    log.info("For You model %s trained on %s events in %.1f s", row.pk, len(events), seconds)
    return row.pk


def training_events(*, now: datetime) -> list[LoggedEvent]:
    rows = (
        Event.objects.filter(
            ts__gte=now - WINDOW,
            ts__lte=now,
            user_id__in=account_selectors.profiling_allowed_user_ids(),
        )
        .order_by("actor", "ts", "id")
        .values_list("actor", "type", "ts", "video_id", "product_id", "watch_ms")
    )
    return [LoggedEvent(*row) for row in rows.iterator(chunk_size=5000)]


def pair_signals(events: list[LoggedEvent]) -> dict[tuple[str, int], VideoSignal]:
    """What each viewer did with each video, over the whole log."""
    signals: dict[tuple[str, int], VideoSignal] = {}
    for event in events:
        if event.video_id is None:
            continue
        key = (event.actor, event.video_id)
        signal = signals.setdefault(key, VideoSignal(event.video_id, event.ts))
        signal.types.add(event.type)
        signal.watch_ms = max(signal.watch_ms, event.watch_ms or 0)
        signal.last_ts = max(signal.last_ts, event.ts)
    return signals


def outcome_labels(signal: VideoSignal) -> dict[str, bool]:
    types = signal.types
    return {
        "completion": Event.Type.COMPLETE in types,
        "like": Event.Type.LIKE in types,
        "share": Event.Type.SHARE in types,
        "follow": Event.Type.FOLLOW in types,
        "anchor_click": Event.Type.ANCHOR_CLICK in types,
        "add_to_cart": Event.Type.ADD_TO_CART in types,
        "purchase": Event.Type.PURCHASE in types,
        "negative": Event.Type.NOT_INTERESTED in types or signal.quick_skip,
    }


def base_rates(signals: dict[tuple[str, int], VideoSignal], catalogue: Catalogue) -> BaseRates:
    """Each outcome's rate per impressed (viewer, video) pair; completion per length bucket."""
    totals = dict.fromkeys(OUTCOMES, 0)
    by_length = np.zeros((len(BaseRates().completion_by_length), 2))
    impressions = 0
    for (_, video_id), signal in signals.items():
        if Event.Type.IMPRESSION not in signal.types:
            continue
        impressions += 1
        labels = outcome_labels(signal)
        for outcome, happened in labels.items():
            totals[outcome] += happened
        video = catalogue.videos.get(video_id)
        bucket = length_bucket(video.duration_ms if video else None)
        by_length[bucket] += (labels["completion"], 1)
    default = BaseRates()
    if not impressions:
        return default
    overall = {o: (totals[o] + 1) / (impressions + 20) for o in OUTCOMES}
    completion = tuple(
        (done + 20 * overall["completion"]) / (seen + 20) for done, seen in by_length
    )
    return BaseRates(overall=overall, completion_by_length=completion)


def split_time(events: list[LoggedEvent]) -> datetime:
    times = sorted(e.ts for e in events)
    return times[int(len(times) * (1 - LABEL_SHARE))]


# --- Engine -------------------------------------------------------------------------------------


def fit_engine(events: list[LoggedEvent]) -> tuple[Engine | None, dict[int, int]]:
    """The engine fitted on the engaged events (the offline benchmark's definition), without
    per-user data; None when there are too few to learn from."""
    engaged = [e for e in events if e.type in ENGAGED and e.video_id is not None]
    if len(engaged) < MIN_ENGAGED or len({e.actor for e in engaged}) < MIN_USERS:
        return None, {}
    data = build_interactions(
        InteractionLog(
            users=[e.actor for e in engaged],
            items=[str(e.video_id) for e in engaged],
            timestamps=np.array([int(e.ts.timestamp()) for e in engaged], dtype=np.int64),
        )
    )
    engine = Engine(config=ENGINE_CONFIG)
    engine.fit(data)
    engine.forget_users()
    return engine, {int(item): code for code, item in enumerate(data.item_ids.ids)}


def viewer_batch(
    history: list[Interaction], codes: dict[int, int], *, n_items: int, now: datetime
) -> UserBatch:
    """A one-viewer batch for the engine from their history (newest first): a live viewer has
    no user code (-1), so ALS folds them in from what they engaged with."""
    recent = list(
        dict.fromkeys(
            codes[e.video_id]
            for e in history
            if e.type in ENGAGED and e.video_id is not None and e.video_id in codes
        )
    )
    seen = sp.csr_matrix(
        (np.ones(len(recent), np.float32), (np.zeros(len(recent), np.int64), recent)),
        shape=(1, n_items),
    )
    return UserBatch(
        users=np.array([-1]),
        seen=seen,
        recent=[np.array(recent, dtype=np.int64)],
        now=np.array([int(now.timestamp())], dtype=np.int64),
    )


def engine_scores(
    engine: Engine | None, codes: dict[int, int], batch: UserBatch | None, video_ids: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ranker score, proposed by a source (0/1), proposing source index or -1) per video;
    NaN / 0 / -1 for videos the engine does not know."""
    scores = np.full(len(video_ids), np.nan)
    proposed = np.zeros(len(video_ids))
    source = np.full(len(video_ids), -1)
    if engine is None or batch is None:
        return scores, proposed, source
    known = [i for i, v in enumerate(video_ids) if v in codes]
    extra = np.array([[codes[video_ids[i]] for i in known]], dtype=np.int64)
    found = engine.candidates(batch, extra=extra if known else None)
    items = found.items[found.valid]
    predicted = engine.predict(found)
    by_item = dict(zip(items.tolist(), predicted.tolist(), strict=True))
    origin = dict(zip(items.tolist(), engine.proposed_by(found).tolist(), strict=True))
    for i in known:
        code = codes[video_ids[i]]
        if code in by_item:
            scores[i] = by_item[code]
            source[i] = origin[code]
            proposed[i] = float(origin[code] >= 0)
    return scores, proposed, source


# --- Labelled impressions -----------------------------------------------------------------------


@dataclass
class Labelled:
    features: np.ndarray
    labels: dict[str, np.ndarray]


def labelled_examples(
    events: list[LoggedEvent],
    signals: dict[tuple[str, int], VideoSignal],
    catalogue: Catalogue,
    base: BaseRates,
    *,
    split: datetime,
) -> Labelled:
    engine, codes = fit_engine([e for e in events if e.ts < split])
    n_items = len(codes)
    facts = catalog_selectors.product_facts({e.product_id for e in events if e.product_id})
    by_actor: dict[str, list[LoggedEvent]] = defaultdict(list)
    for event in events:
        by_actor[event.actor].append(event)
    rows: list[np.ndarray] = []
    labels: dict[str, list[bool]] = {o: [] for o in OUTCOMES}
    for actor in sorted(by_actor)[:MAX_LABELLED_VIEWERS]:
        own = by_actor[actor]
        before = [e.interaction() for e in reversed(own) if e.ts < split]
        impressed = list(
            dict.fromkeys(
                e.video_id
                for e in own
                if e.ts >= split
                and e.type == Event.Type.IMPRESSION
                and e.video_id in catalogue.videos
            )
        )
        if not impressed:
            continue
        profile = build_profile(before, catalogue, now=split)
        viewer = ViewerContext.of(
            profile,
            followed=_followed_in(before, catalogue),
            carted_categories=frozenset(
                c for p in profile.carted if (f := facts.get(p)) and (c := f.category_id)
            ),
        )
        batch = viewer_batch(before, codes, n_items=n_items, now=split) if engine else None
        scores, proposed, _ = engine_scores(engine, codes, batch, impressed)
        videos = [catalogue.videos[v] for v in impressed]
        pair_labels = [outcome_labels(signals[(actor, v)]) for v in impressed]
        counts = [
            _without(video.counts, got) for video, got in zip(videos, pair_labels, strict=True)
        ]
        rows.append(
            feature_matrix(
                viewer,
                videos,
                engine_scores=scores,
                engine_proposed=proposed,
                base=base,
                now=split,
                counts=counts,
            )
        )
        for got in pair_labels:
            for outcome in OUTCOMES:
                labels[outcome].append(got[outcome])
    if not rows:
        empty = np.zeros((0, len(FEATURES)), dtype=np.float32)
        return Labelled(empty, {o: np.zeros(0, dtype=bool) for o in OUTCOMES})
    return Labelled(np.concatenate(rows), {o: np.array(v, dtype=bool) for o, v in labels.items()})


def _without(counts: Counts, labels: dict[str, bool]) -> Counts:
    """The video's counters less this impression, so its rates never contain the label."""
    values = {"views": max(counts.views - 1, 0)}
    for outcome, counter in COUNTED.items():
        values[counter] = max(getattr(counts, counter) - labels[outcome], 0)
    return Counts(**values)


def _followed_in(history: list[Interaction], catalogue: Catalogue) -> frozenset[int]:
    """Creators the viewer followed from a video, as the log shows them (serving reads the
    follows themselves)."""
    return frozenset(
        catalogue.videos[e.video_id].creator_id
        for e in history
        if e.type == Event.Type.FOLLOW and e.video_id in catalogue.videos
    )
