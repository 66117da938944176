"""Leave-one-out evaluation: HR@K and NDCG@K over the whole catalogue.

Each user's latest interaction is held out; the model is trained on the rest and scores every
item of the catalogue for every evaluated user, in batches (B × n_items at a time, never users ×
items). Items the user has already seen are excluded. The held-out item's rank counts every
item scored strictly higher, plus a uniformly random place among the items scored exactly the
same: ties never work in the model's favour, so a model that scores everything alike gets
HR@K ≈ K / n_items, not a perfect score.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .data import Interactions, UserBatch, leave_last_out


class Model(Protocol):
    name: str

    def fit(self, data: Interactions) -> None: ...

    def score(self, batch: UserBatch) -> np.ndarray:
        """B × n_items scores, higher is better."""
        ...


@dataclass(frozen=True)
class Result:
    name: str
    users: int
    hit_rate: dict[int, float]
    ndcg: dict[int, float]
    fit_seconds: float
    score_seconds: float


def held_out_ranks(
    scores: np.ndarray,
    seen_rows: np.ndarray,
    seen_cols: np.ndarray,
    held_out: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """0-based rank of each row's held-out item among the unseen items."""
    scores = np.array(scores, dtype=np.float64)  # a copy: the model's array stays untouched
    scores[np.isnan(scores)] = -np.inf  # a NaN must not compare as "not higher"
    scores[seen_rows, seen_cols] = np.nan  # seen items: neither higher nor tied
    rows = np.arange(len(scores))
    target = scores[rows, held_out][:, None]
    higher = (scores > target).sum(axis=1)
    ties = (scores == target).sum(axis=1) - 1  # minus the held-out item itself
    return higher + rng.integers(0, ties + 1)


def evaluate(
    data: Interactions,
    models: Sequence[Model],
    *,
    ks: Sequence[int] = (10, 20),
    limit_users: int | None = None,
    batch_size: int = 512,
    seed: int = 0,
) -> list[Result]:
    split = leave_last_out(data)
    users, held_out = split.users, split.held_out
    if limit_users is not None and limit_users < len(users):
        chosen = np.sort(np.random.default_rng(seed).choice(len(users), limit_users, False))
        users, held_out = users[chosen], held_out[chosen]
    if len(users) == 0:
        raise ValueError("no user has two or more interactions: nothing to hold out")
    return [
        _evaluate_one(split.train, model, users, held_out, ks, batch_size, seed) for model in models
    ]


def _evaluate_one(
    train: Interactions,
    model: Model,
    users: np.ndarray,
    held_out: np.ndarray,
    ks: Sequence[int],
    batch_size: int,
    seed: int,
) -> Result:
    rng = np.random.default_rng(seed)  # the same tie-breaking draws for every model
    started = time.perf_counter()
    model.fit(train)
    fitted = time.perf_counter()
    ranks = []
    for start in range(0, len(users), batch_size):
        batch = train.batch(users[start : start + batch_size])
        rows, cols = batch.seen.nonzero()
        ranks.append(
            held_out_ranks(
                model.score(batch), rows, cols, held_out[start : start + batch_size], rng
            )
        )
    rank = np.concatenate(ranks)
    done = time.perf_counter()
    gain = 1.0 / np.log2(rank + 2.0)
    return Result(
        name=model.name,
        users=len(rank),
        hit_rate={k: float((rank < k).mean()) for k in ks},
        ndcg={k: float(np.where(rank < k, gain, 0.0).mean()) for k in ks},
        fit_seconds=fitted - started,
        score_seconds=done - fitted,
    )


def format_table(results: Sequence[Result], ks: Sequence[int] = (10, 20)) -> str:
    """A Markdown table: one row per model, metrics then seconds to fit and to rank."""
    metrics = [f"{name}@{k}" for k in ks for name in ("HR", "NDCG")]
    header = ["model", *metrics, "fit s", "rank s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        values = [f"{v:.4f}" for k in ks for v in (result.hit_rate[k], result.ndcg[k])]
        seconds = [f"{result.fit_seconds:.1f}", f"{result.score_seconds:.1f}"]
        lines.append("| " + " | ".join([result.name, *values, *seconds]) + " |")
    return "\n".join(lines)
