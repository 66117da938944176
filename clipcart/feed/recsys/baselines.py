"""The three baselines the engine must beat, scoring the whole catalogue per batch of users."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import Interactions, UserBatch
from .sources import Als, Transitions


@dataclass
class MostPopular:
    """Every user gets the items with the most interactions in the training data."""

    name: str = "most popular"
    counts: np.ndarray | None = None

    def fit(self, data: Interactions) -> None:
        self.counts = np.bincount(data.items, minlength=data.n_items).astype(np.float32)

    def score(self, batch: UserBatch) -> np.ndarray:
        assert self.counts is not None, "fit() first"
        return np.repeat(self.counts[None, :], len(batch), axis=0)


@dataclass
class MarkovChain:
    """First-order Markov chain: P(next | previous item) from consecutive pairs, summed over the
    user's last `history_len` items (weights 1, 1/2, 1/4…). Items the chain never reached are
    ordered by popularity (a tiny back-off) rather than left tied, which only helps it."""

    name: str = "markov"
    history_len: int = 3
    chain: Transitions = field(init=False)
    backoff: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.chain = Transitions(name="markov", steps=1, history_len=self.history_len, decay=0.5)

    def fit(self, data: Interactions) -> None:
        self.chain.fit(data)
        counts = np.bincount(data.items, minlength=data.n_items).astype(np.float32)
        self.backoff = 1e-6 * counts / max(1.0, float(counts.max()))

    def score(self, batch: UserBatch) -> np.ndarray:
        assert self.backoff is not None, "fit() first"
        return self.chain.dense(batch) + self.backoff[None, :]


@dataclass
class AlsBaseline:
    """implicit's ALS alone: the user's factor dotted with every item's."""

    name: str = "als"
    factors: int = 32
    iterations: int = 15
    seed: int = 7
    model: Als | None = None

    def fit(self, data: Interactions) -> None:
        self.model = Als(factors=self.factors, iterations=self.iterations, seed=self.seed)
        self.model.fit(data)

    def score(self, batch: UserBatch) -> np.ndarray:
        assert self.model is not None, "fit() first"
        return self.model.dense(batch)
