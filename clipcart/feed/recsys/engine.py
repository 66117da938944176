"""The ranking engine: candidate sources merged and ordered by a learned LightGBM ranker.

Per batch of users every source proposes its top unseen items; the union is scored by every
source (score and rank features), joined with item and user context (popularity, trend at the
user's time, item age, history length), and ordered by a LambdaRank model.

The ranker learns only from the training data it is given: the sources are first fitted on that
data minus each user's latest interaction, and the ranker learns to put that latest item first.
Then the sources are refitted on all of it for serving. So when the evaluator holds out each
user's last interaction, the ranker never sees a test item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import lightgbm
import numpy as np

from .data import Interactions, UserBatch, leave_last_out
from .sources import (
    DAY,
    Als,
    CandidateSource,
    CoVisitation,
    Fresh,
    ItemClock,
    Popular,
    SourceView,
    Transitions,
    Trending,
)


@dataclass
class EngineConfig:
    per_source: int = 50  # candidates each source proposes per user
    batch_size: int = 512  # users scored at once: batch × n_items float32 blocks stay small
    ranker_users: int = 8_000  # query groups (user, held-out item) to train the ranker on
    ranker_holdouts: int = 4  # each sampled user's last n training interactions are labels
    trees: int = 300
    learning_rate: float = 0.05
    leaves: int = 7
    min_leaf: int = 50
    objective: str = "binary"  # or "lambdarank": both learn from the same groups
    als_factors: int = 32
    als_iterations: int = 15
    threads: int = 2
    seed: int = 7


def default_sources(config: EngineConfig) -> list[CandidateSource]:
    """The engine's candidate sources; each is also a ranker feature for the others' items."""
    return [
        CoVisitation(),
        Transitions(),
        Transitions(name="next_last", steps=1, history_len=1),
        Als(factors=config.als_factors, iterations=config.als_iterations, seed=config.seed),
        Trending(),
        Trending(name="trending_day", window_seconds=DAY),
        Fresh(),
        Popular(),
    ]


@dataclass
class Candidates:
    """Per user a row of candidate items (-1 padding) and one feature vector per candidate."""

    items: np.ndarray  # B × M int64
    features: np.ndarray  # (number of valid candidates) × F float32, row-major over `items`

    @property
    def valid(self) -> np.ndarray:
        return self.items >= 0


@dataclass
class Groups:
    """The ranker's training data: one query group per (user, held-out item) whose item the
    sources proposed; a user whose item no source proposed teaches the ranker nothing."""

    features: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    sizes: list[np.ndarray] = field(default_factory=list)

    def add(self, found: Candidates, held_out: np.ndarray) -> None:
        hits = found.items == held_out[:, None]
        useful = hits.any(axis=1)
        if not useful.any():
            return
        counts = found.valid.sum(axis=1)
        keep = useful[np.repeat(np.arange(len(counts)), counts)]
        self.features.append(found.features[keep])
        self.labels.append(hits[found.valid][keep])
        self.sizes.append(counts[useful])


@dataclass
class Engine:
    """Fit on interactions, then score or recommend for batches of users."""

    config: EngineConfig = field(default_factory=EngineConfig)
    make_sources: Callable[[EngineConfig], list[CandidateSource]] = default_sources
    sources: list[CandidateSource] = field(default_factory=list)
    ranker: lightgbm.Booster | None = None
    clock: ItemClock | None = None
    name: str = "engine"

    def fit(self, data: Interactions) -> None:
        self.ranker = self._train_ranker(data)
        self._fit_sources(data)

    def _fit_sources(self, data: Interactions) -> None:
        self.sources = self.make_sources(self.config)
        for source in self.sources:
            source.fit(data)
        self.clock = ItemClock.build(data)

    def _train_ranker(self, data: Interactions) -> lightgbm.Booster | None:
        """Fit the sources on `data` less each user's last `ranker_holdouts` interactions, then
        learn to rank each of those held-out items first from the history before it."""
        holdouts = self.config.ranker_holdouts
        base = leave_last_out(data, holdouts)
        self._fit_sources(base.train)
        rng = np.random.default_rng(self.config.seed)
        # Only users with all holdouts available: the others' whole history is in `base`.
        quota = max(1, self.config.ranker_users // holdouts)
        users = np.sort(rng.permutation(base.users)[:quota])
        groups = Groups()
        for n in range(holdouts, 0, -1):
            split = leave_last_out(data, n)
            labels = split.held_out[np.searchsorted(split.users, users)]
            for start in range(0, len(users), self.config.batch_size):
                stop = start + self.config.batch_size
                batch = split.train.batch(users[start:stop])
                groups.add(self.candidates(batch), labels[start:stop])
        if not groups.sizes:
            return None  # too little history to learn from: fall back to summed source ranks
        params = {
            "objective": self.config.objective,
            "learning_rate": self.config.learning_rate,
            "num_leaves": self.config.leaves,
            "min_data_in_leaf": self.config.min_leaf,
            # Positives are ~1 in 300 rows: without a floor on a leaf's hessian, leaves of
            # confidently negative rows (hessian ≈ 0) get huge values and the trees diverge.
            "min_sum_hessian_in_leaf": 1.0,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "feature_fraction": 0.8,
            "num_threads": self.config.threads,
            "seed": self.config.seed,
            "deterministic": True,
            "verbosity": -1,
        }
        train = lightgbm.Dataset(
            np.concatenate(groups.features),
            label=np.concatenate(groups.labels).astype(np.int32),
            group=np.concatenate(groups.sizes),
        )
        ranker = lightgbm.train(params, train, num_boost_round=self.config.trees)
        return ranker

    # --- candidates and features ------------------------------------------------------------

    def candidates(self, batch: UserBatch, extra: np.ndarray | None = None) -> Candidates:
        """Every source's proposals for each user, plus `extra` items (B × m codes, -1
        padding) that other sources found, all scored by every source."""
        views = [source.view(batch) for source in self.sources]
        tops = [view.top(self.config.per_source) for view in views]
        proposals = [found for found, _ in tops]
        if extra is not None:
            proposals.append(extra.astype(np.int64))
        items = _union(np.concatenate(proposals, axis=1))
        columns = [
            self._source_features(view, top, items) for view, top in zip(views, tops, strict=True)
        ]
        per_source = np.stack([c for pair in columns for c in pair], axis=-1)
        proposed = (per_source[..., 1::2] <= self.config.per_source).sum(axis=-1, keepdims=True)
        context = self._context_features(batch, items)
        features = np.concatenate([per_source, proposed, context], axis=-1)
        return Candidates(items, features[items >= 0].astype(np.float32))

    def _source_features(
        self, view: SourceView, top: tuple[np.ndarray, np.ndarray], items: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The source's score of every candidate, and its rank (per_source + 1 if the source
        did not propose it)."""
        found, _ = top
        # B × m × n comparisons at once (a source proposes each item at most once per user).
        match = (items[:, :, None] == found[:, None, :]) & (found[:, None, :] >= 0)
        position = match.argmax(axis=2) + 1
        proposed = match.any(axis=2) & (items >= 0)
        rank = np.where(proposed, position, self.config.per_source + 1).astype(np.float32)
        return view.score(items), rank

    def _context_features(self, batch: UserBatch, items: np.ndarray) -> np.ndarray:
        assert self.clock is not None
        safe = np.where(items >= 0, items, 0)
        clock = self.clock
        day = np.log1p(np.take_along_axis(clock.window_counts(batch.now, DAY), safe, axis=1))
        week = np.log1p(np.take_along_axis(clock.window_counts(batch.now, 7 * DAY), safe, axis=1))
        total = np.log1p(clock.total[safe])
        age_days = (batch.now[:, None] - clock.first_time[safe]) / DAY
        history = np.log1p(np.diff(batch.seen.indptr)).astype(np.float32)
        history = np.broadcast_to(history[:, None], items.shape)
        return np.stack([day, week, total, age_days, history], axis=-1).astype(np.float32)

    # --- serving ----------------------------------------------------------------------------

    def score(self, batch: UserBatch) -> np.ndarray:
        """B × n_items scores: ranked candidates above everything else, the rest ordered by
        popularity, so the whole catalogue has an order (the evaluator ranks every item)."""
        assert self.clock is not None, "fit() first"
        total = self.clock.total
        fallback = np.log1p(total) / (np.log1p(total.max()) + 1.0)  # in [0, 1)
        scores = np.repeat(fallback[None, :].astype(np.float64), len(batch), axis=0)
        found = self.candidates(batch)
        predicted = self._predict(found)
        if len(predicted):
            rows = np.nonzero(found.valid)[0]
            scores[rows, found.items[found.valid]] = 2.0 + predicted - predicted.min()
        return scores

    def predict(self, found: Candidates) -> np.ndarray:
        """The ranker's score of each valid candidate (row-major over `found.items`)."""
        return self._predict(found)

    def proposed_by(self, found: Candidates) -> np.ndarray:
        """For each valid candidate, the index of the source that ranked it best among those
        that proposed it, or -1 when none did (an `extra` item)."""
        n_sources = len(self.sources)
        ranks = found.features[:, 1 : 2 * n_sources : 2]
        best = np.argmin(ranks, axis=1)
        proposed = ranks[np.arange(len(ranks)), best] <= self.config.per_source
        return np.where(proposed, best, -1)

    def forget_users(self) -> None:
        """Drops every per-user datum (ALS user factors): what remains is about items only."""
        for source in self.sources:
            forget = getattr(source, "forget_users", None)
            if forget is not None:
                forget()

    def _predict(self, found: Candidates) -> np.ndarray:
        if self.ranker is None:
            # No ranker (tiny logs): fewer summed source ranks is better.
            n_sources = len(self.sources)
            return -found.features[:, 1 : 2 * n_sources : 2].sum(axis=1).astype(np.float64)
        return np.asarray(self.ranker.predict(found.features), dtype=np.float64)

    def recommend(self, data: Interactions, k: int) -> Iterator[tuple[int, np.ndarray]]:
        """(user, its top-k unseen items best first) for every user of `data`."""
        for start in range(0, data.n_users, self.config.batch_size):
            users = np.arange(start, min(start + self.config.batch_size, data.n_users))
            batch = data.batch(users)
            scores = self.score(batch)
            rows, cols = batch.seen.nonzero()
            scores[rows, cols] = -np.inf
            yield from zip(users.tolist(), _top_k(scores, k), strict=True)


def _union(proposals: np.ndarray) -> np.ndarray:
    """Distinct items per row, valid ones first, -1 padding; trimmed to the widest row."""
    ordered = np.sort(proposals, axis=1)
    repeated = np.zeros(ordered.shape, dtype=bool)
    repeated[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
    ordered[repeated] = -1
    invalid = ordered < 0
    order = np.argsort(invalid, axis=1, kind="stable")
    ordered = np.take_along_axis(ordered, order, axis=1)
    width = max(1, int((~invalid).sum(axis=1).max()))
    return ordered[:, :width]


def _top_k(scores: np.ndarray, k: int) -> list[np.ndarray]:
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1)
    finite = np.isfinite(np.take_along_axis(part_scores, order, axis=1))
    return [row[keep] for row, keep in zip(best, finite, strict=True)]
