"""A live viewer's ALS vector is folded in from their seen videos: it must match what training
would have learned for them, so the live feed and the offline engine agree."""

import random

import numpy as np

from clipcart.feed.recsys import build_interactions
from clipcart.feed.recsys.log import InteractionLog
from clipcart.feed.recsys.sources import Als


def _clustered_log(users: int = 300) -> InteractionLog:
    rng = random.Random(1)
    rows = []
    for user in range(users):
        cluster = rng.randrange(5)
        for step in range(20):
            rows.append((f"u{user}", f"i{cluster * 20 + rng.randrange(25)}", step))
    return InteractionLog(
        users=[u for u, _, _ in rows],
        items=[i for _, i, _ in rows],
        timestamps=np.array([t for _, _, t in rows], dtype=np.int64),
    )


def test_folded_in_vectors_match_the_learned_ones():
    data = build_interactions(_clustered_log())
    als = Als()
    als.fit(data)
    batch = data.batch(np.arange(20))
    learned = als.user_factors[batch.users]
    folded = als.fold_in(batch.seen)
    cosine = (learned * folded).sum(1) / np.linalg.norm(learned, axis=1)
    cosine /= np.linalg.norm(folded, axis=1)
    assert cosine.min() > 0.99


def test_a_model_without_user_factors_serves_unknown_viewers_from_their_seen_items():
    data = build_interactions(_clustered_log())
    als = Als()
    als.fit(data)
    expected = als.view(data.batch(np.arange(5))).top(10)[0]
    als.forget_users()
    batch = data.batch(np.arange(5))
    live = type(batch)(users=np.full(5, -1), seen=batch.seen, recent=batch.recent, now=batch.now)
    found = als.view(live).top(10)[0]
    overlap = [len(set(a) & set(b)) / 10 for a, b in zip(expected, found, strict=True)]
    assert min(overlap) >= 0.8


def test_a_viewer_with_no_history_gets_a_zero_vector_and_no_error():
    data = build_interactions(_clustered_log(50))
    als = Als()
    als.fit(data)
    empty = data.matrix[:1].copy()
    empty.data[:] = 0
    empty.eliminate_zeros()
    assert not als.fold_in(empty).any()
