"""Candidate sources: each proposes items for a batch of users and scores any given item.

A source is fitted on `Interactions` and then asked for a `SourceView` of a `UserBatch`: its top
unseen items per user (the candidates) and its score for any item (a ranker feature, also for
candidates another source proposed). The same sources serve the offline benchmark and, fitted on
the feed's event log, the live feed.

Sources whose scores are cheap to compute for the whole catalogue (co-visitation, transitions,
popularity) produce a dense B × n_items float32 block per batch; ALS retrieves through a faiss
index and scores only the items asked about, so it never needs the dense block.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Protocol

import faiss
import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .data import Interactions, UserBatch

DAY = 86_400


class SourceView(Protocol):
    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to n unseen items per user, best first: (items B × n int64, scores B × n float32);
        missing slots hold item -1 and score -inf."""
        ...

    def score(self, items: np.ndarray) -> np.ndarray:
        """Scores of the given items (B × m, -1 for padding) as float32."""
        ...


class CandidateSource(Protocol):
    name: str

    def fit(self, data: Interactions) -> None: ...

    def view(self, batch: UserBatch) -> SourceView: ...


# --- dense sources --------------------------------------------------------------------------


class DenseView:
    """Scores for the whole catalogue; seen items are masked out of `top` (not of `score`)."""

    def __init__(self, scores: np.ndarray, seen: sp.csr_matrix) -> None:
        self.scores = scores
        self.seen = seen

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        masked = self.scores.copy()
        rows, cols = self.seen.nonzero()
        masked[rows, cols] = -np.inf
        return top_n(masked, n)

    def score(self, items: np.ndarray) -> np.ndarray:
        return gather(self.scores, items)


def top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Best n columns per row (ties by column order), -inf scores reported as missing (-1)."""
    n = min(n, scores.shape[1])
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    items = np.take_along_axis(part, order, axis=1).astype(np.int64)
    values = np.take_along_axis(part_scores, order, axis=1)
    # A zero score is no evidence: a source proposes only items it has something to say about.
    missing = ~np.isfinite(values) | (values <= 0)
    items[missing] = -1
    values[missing] = -np.inf
    return items, values.astype(np.float32)


def gather(scores: np.ndarray, items: np.ndarray) -> np.ndarray:
    safe = np.where(items >= 0, items, 0)
    values = np.take_along_axis(scores, safe, axis=1).astype(np.float32)
    values[items < 0] = 0.0
    return values


def recent_weights(batch: UserBatch, n_items: int, length: int, decay: float) -> sp.csr_matrix:
    """B × n_items sparse: the user's `length` latest items weighted decay**age (newest = 1)."""
    rows, cols, vals = [], [], []
    for row, recent in enumerate(batch.recent):
        chosen = recent[:length]
        rows.append(np.full(len(chosen), row))
        cols.append(chosen)
        vals.append(decay ** np.arange(len(chosen), dtype=np.float32))
    shape = (len(batch), n_items)
    if not rows:
        return sp.csr_matrix(shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
    )


def sequence_pairs(
    data: Interactions, max_gap_steps: int, max_gap_seconds: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(earlier item, later item, weight 1/steps) for items of one user at most
    `max_gap_steps` apart in their history, and at most `max_gap_seconds` apart in time (one
    session) when given."""
    firsts, seconds, weights = [], [], []
    for step in range(1, max_gap_steps + 1):
        same_user = data.users[step:] == data.users[:-step]
        if max_gap_seconds is not None:
            same_user &= (data.times[step:] - data.times[:-step]) <= max_gap_seconds
        firsts.append(data.items[:-step][same_user])
        seconds.append(data.items[step:][same_user])
        weights.append(np.full(int(same_user.sum()), 1.0 / step, dtype=np.float32))
    return np.concatenate(firsts), np.concatenate(seconds), np.concatenate(weights)


@dataclass
class CoVisitation:
    """Items viewed close together in one session, in either order ("people who watched this
    also watched"). Scores sum each recent item's row, newer items weighing more."""

    name: str = "covisit"
    window: int = 5
    session_gap_seconds: int | None = DAY
    history_len: int = 30
    decay: float = 0.9
    matrix: sp.csr_matrix | None = None

    def fit(self, data: Interactions) -> None:
        first, second, weight = sequence_pairs(data, self.window, self.session_gap_seconds)
        rows = np.concatenate([first, second])
        cols = np.concatenate([second, first])
        shape = (data.n_items, data.n_items)
        counts = sp.csr_matrix((np.concatenate([weight, weight]), (rows, cols)), shape=shape)
        # Dividing by sqrt(popularity) of the proposed item keeps blockbusters from
        # co-occurring with everything; the ranker sees popularity separately.
        popularity = np.bincount(data.items, minlength=data.n_items).astype(np.float32)
        scale = 1.0 / np.sqrt(np.maximum(popularity, 1.0))
        self.matrix = sp.csr_matrix(counts @ sp.diags(scale))

    def dense(self, batch: UserBatch) -> np.ndarray:
        """B × n_items scores: the user's recent items' rows, newer ones weighing more."""
        assert self.matrix is not None, "fit() first"
        weights = recent_weights(batch, self.matrix.shape[0], self.history_len, self.decay)
        return np.asarray((weights @ self.matrix).todense(), np.float32)

    def view(self, batch: UserBatch) -> SourceView:
        return DenseView(self.dense(batch), batch.seen)


@dataclass
class Transitions:
    """What comes next: P(next item | an earlier item a few steps back), summed over the user's
    latest items. With `history_len=1, steps=1` it is a first-order Markov chain."""

    name: str = "next"
    steps: int = 3
    history_len: int = 3
    decay: float = 0.5
    session_gap_seconds: int | None = None
    matrix: sp.csr_matrix | None = None

    def fit(self, data: Interactions) -> None:
        first, second, weight = sequence_pairs(data, self.steps, self.session_gap_seconds)
        shape = (data.n_items, data.n_items)
        counts = sp.csr_matrix((weight, (first, second)), shape=shape)
        totals = np.asarray(counts.sum(axis=1)).ravel()
        inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        self.matrix = sp.csr_matrix(sp.diags(inverse.astype(np.float32)) @ counts)

    def dense(self, batch: UserBatch) -> np.ndarray:
        """B × n_items scores: the user's recent items' rows, newer ones weighing more."""
        assert self.matrix is not None, "fit() first"
        weights = recent_weights(batch, self.matrix.shape[0], self.history_len, self.decay)
        return np.asarray((weights @ self.matrix).todense(), np.float32)

    def view(self, batch: UserBatch) -> SourceView:
        return DenseView(self.dense(batch), batch.seen)


@dataclass
class ItemClock:
    """Per item, how many interactions fell in each time bucket (cumulative), so "how popular
    was this item in the week before time t" is two lookups for any t."""

    start: int
    width: int
    cumulative: np.ndarray  # n_items × (buckets + 1), float32
    first_time: np.ndarray  # per item, its first interaction (int64; max int for none)
    total: np.ndarray  # per item, all interactions (float32)

    @classmethod
    def build(cls, data: Interactions, max_buckets: int = 512) -> ItemClock:
        start = int(data.times.min()) if len(data) else 0
        span = (int(data.times.max()) - start + 1) if len(data) else 1
        # Buckets of at least an hour, at most `max_buckets` of them: memory stays
        # n_items × 513 floats whatever the log's time span.
        width = max(3600, math.ceil(span / max_buckets))
        buckets = (data.times - start) // width
        n_buckets = int(buckets.max()) + 1 if len(data) else 1
        hist = sp.csr_matrix(
            (np.ones(len(data), np.float32), (data.items, buckets)),
            shape=(data.n_items, n_buckets),
        ).toarray()
        cumulative = np.zeros((data.n_items, n_buckets + 1), np.float32)
        np.cumsum(hist, axis=1, out=cumulative[:, 1:])
        first = np.full(data.n_items, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, data.items, data.times)
        return cls(start, width, cumulative, first, cumulative[:, -1].copy())

    def _bucket(self, times: np.ndarray) -> np.ndarray:
        last = self.cumulative.shape[1] - 1
        return np.clip((times - self.start) // self.width + 1, 0, last)

    def window_counts(self, now: np.ndarray, seconds: int) -> np.ndarray:
        """B × n_items: interactions with each item in (now - seconds, now], bucket-rounded."""
        upper = self.cumulative[:, self._bucket(now)]
        lower = self.cumulative[:, self._bucket(now - seconds)]
        return np.ascontiguousarray((upper - lower).T)


@dataclass
class Trending:
    """Popular right now: interactions in the window before the user's own time. Offline each
    user is scored at their latest interaction, so a 1997 user is not shown 1998 hits."""

    name: str = "trending"
    window_seconds: int = 14 * DAY
    clock: ItemClock | None = None

    def fit(self, data: Interactions) -> None:
        self.clock = ItemClock.build(data)

    def view(self, batch: UserBatch) -> SourceView:
        assert self.clock is not None, "fit() first"
        counts = self.clock.window_counts(batch.now, self.window_seconds)
        return DenseView(np.log1p(counts), batch.seen)


@dataclass
class Fresh:
    """New items: first seen at most `max_age_seconds` before the user's time, ordered by
    their interactions since; gives new items a way into the candidate set."""

    name: str = "fresh"
    max_age_seconds: int = 30 * DAY
    clock: ItemClock | None = None

    def fit(self, data: Interactions) -> None:
        self.clock = ItemClock.build(data)

    def view(self, batch: UserBatch) -> SourceView:
        assert self.clock is not None, "fit() first"
        counts = self.clock.window_counts(batch.now, self.max_age_seconds)
        age = batch.now[:, None] - self.clock.first_time[None, :]
        is_new = (age >= 0) & (age <= self.max_age_seconds)
        return DenseView(np.where(is_new, np.log1p(counts), 0.0).astype(np.float32), batch.seen)


@dataclass
class Popular:
    """All-time popularity (log of interaction count): the catalogue-wide fallback."""

    name: str = "popular"
    scores: np.ndarray | None = None

    def fit(self, data: Interactions) -> None:
        counts = np.bincount(data.items, minlength=data.n_items).astype(np.float32)
        self.scores = np.log1p(counts)

    def view(self, batch: UserBatch) -> SourceView:
        assert self.scores is not None, "fit() first"
        return DenseView(np.broadcast_to(self.scores, (len(batch), len(self.scores))), batch.seen)


# --- ALS with an index ----------------------------------------------------------------------


@dataclass
class Als:
    """Implicit-feedback matrix factorisation (implicit's ALS). Candidates come from a faiss
    inner-product index over the item factors: exact (flat) for catalogues up to
    `exact_up_to` items, HNSW above that, so retrieval never loops over items in Python."""

    name: str = "als"
    factors: int = 32
    # Strong regularisation: small, dense logs (the demo's) are otherwise memorised.
    regularization: float = 5.0
    alpha: float = 1.0
    iterations: int = 15
    exact_up_to: int = 200_000
    seed: int = 7
    user_factors: np.ndarray | None = None
    item_factors: np.ndarray | None = None
    index: faiss.Index | None = None

    def fit(self, data: Interactions) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        # implicit parallelises itself; BLAS threads on top of that only contend. Its model
        # warns when it sees a BLAS thread pool, which this limit has already shrunk to one.
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="OpenBLAS is configured")
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
            )
            model.fit(data.matrix, show_progress=False)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        self.index = self._build_index(self.item_factors)

    def _build_index(self, vectors: np.ndarray) -> faiss.Index:
        dim = vectors.shape[1]
        index: faiss.Index
        if len(vectors) <= self.exact_up_to:
            index = faiss.IndexFlatIP(dim)
        else:
            hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efSearch = 256
            index = hnsw
        index.add(vectors)
        return index

    def user_vectors(self, batch: UserBatch) -> np.ndarray:
        """The batch's user factors: learned ones for users of the training data, folded in
        from their seen items for anyone else (user code -1: a live viewer, whose newest
        events must count at once, or a model kept without per-user data)."""
        assert self.item_factors is not None, "fit() first"
        known = batch.users >= 0
        if self.user_factors is not None and known.all():
            return self.user_factors[batch.users]
        vectors = self.fold_in(batch.seen)
        if self.user_factors is not None and known.any():
            vectors[known] = self.user_factors[batch.users[known]]
        return vectors

    def fold_in(self, seen: sp.csr_matrix) -> np.ndarray:
        """One ALS half-step for each row of `seen`: the least-squares user vector given the
        item factors, with implicit's confidence (alpha × 1 for a seen item) and its L2
        regularisation, so a folded-in user matches a trained one."""
        assert self.item_factors is not None, "fit() first"
        items = self.item_factors.astype(np.float64)
        gram = items.T @ items + self.regularization * np.eye(items.shape[1])
        vectors = np.zeros((seen.shape[0], items.shape[1]), dtype=np.float32)
        for row in range(seen.shape[0]):
            chosen = items[seen.indices[seen.indptr[row] : seen.indptr[row + 1]]]
            if not len(chosen):
                continue
            system = gram + (self.alpha - 1.0) * chosen.T @ chosen
            vectors[row] = np.linalg.solve(system, self.alpha * chosen.sum(axis=0))
        return vectors

    def forget_users(self) -> None:
        """Drops the per-user factors (a served model keeps item data only)."""
        self.user_factors = None

    def dense(self, batch: UserBatch) -> np.ndarray:
        """Scores for the whole catalogue (the ALS baseline ranks every item with these)."""
        assert self.item_factors is not None, "fit() first"
        return self.user_vectors(batch) @ self.item_factors.T

    def view(self, batch: UserBatch) -> SourceView:
        assert self.item_factors is not None and self.index is not None, "fit() first"
        return AlsView(self.user_vectors(batch), self.item_factors, self.index, batch.seen)


class AlsView:
    def __init__(
        self, users: np.ndarray, items: np.ndarray, index: faiss.Index, seen: sp.csr_matrix
    ) -> None:
        self.users = users
        self.items = items
        self.index = index
        self.seen = seen

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        # Ask for enough neighbours that n remain after dropping what the user has seen.
        most_seen = int(np.diff(self.seen.indptr).max()) if self.seen.nnz else 0
        k = min(n + most_seen, self.items.shape[0])
        scores, found = self.index.search(self.users, k)
        found = found.astype(np.int64)
        seen = self.seen.toarray() > 0  # B × n_items booleans: a few MB per batch
        is_seen = np.take_along_axis(seen, np.where(found >= 0, found, 0), axis=1)
        is_seen |= found < 0
        return _first_unseen(found, scores, is_seen, n)

    def score(self, items: np.ndarray) -> np.ndarray:
        safe = np.where(items >= 0, items, 0)
        values = np.einsum("bf,bmf->bm", self.users, self.items[safe]).astype(np.float32)
        values[items < 0] = 0.0
        return values


def _first_unseen(
    found: np.ndarray, scores: np.ndarray, is_seen: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    # A stable sort on the "seen" flag moves unseen hits to the front, keeping their order.
    order = np.argsort(is_seen, axis=1, kind="stable")[:, :n]
    items = np.take_along_axis(found, order, axis=1)
    values = np.take_along_axis(scores, order, axis=1).astype(np.float32)
    hidden = np.take_along_axis(is_seen, order, axis=1)
    items[hidden] = -1
    values[hidden] = -np.inf
    return items, values
