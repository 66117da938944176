"""The two offline jobs behind the management commands: recommend from a log, and evaluate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .baselines import AlsBaseline, MarkovChain, MostPopular
from .data import Interactions, build_interactions
from .engine import Engine, EngineConfig
from .evaluate import Model, Result, evaluate
from .log import LogError, read_log, write_recommendations


@dataclass(frozen=True)
class OfflineReport:
    users: int
    items: int
    interactions: int
    duplicates_dropped: int
    rows_written: int
    seconds: float


def load(path: str | Path) -> tuple[Interactions, int]:
    """The log as `Interactions`, and how many exact duplicate rows were dropped."""
    log = read_log(path)
    return build_interactions(log), log.duplicates_dropped


def recommend_offline(
    *, train: str | Path, out: str | Path, k: int, config: EngineConfig | None = None
) -> OfflineReport:
    """Train the engine on `train` and write every user's top-k unseen items to `out`."""
    if k < 1:
        raise LogError(f"--k must be at least 1, not {k}")
    if not Path(out).parent.resolve().is_dir():
        raise LogError(f"{out}: its folder does not exist")
    started = time.perf_counter()
    data, duplicates = load(train)
    engine = Engine(config or EngineConfig())
    engine.fit(data)
    written = write_recommendations(out, _rows(engine, data, k))
    return OfflineReport(
        users=data.n_users,
        items=data.n_items,
        interactions=len(data),
        duplicates_dropped=duplicates,
        rows_written=written,
        seconds=time.perf_counter() - started,
    )


def _rows(engine: Engine, data: Interactions, k: int) -> Iterator[tuple[str, str, int]]:
    users, items = data.user_ids.ids, data.item_ids.ids
    for user, best in engine.recommend(data, k):
        for rank, item in enumerate(best.tolist(), start=1):
            yield users[user], items[item], rank


def all_models(config: EngineConfig | None = None) -> list[Model]:
    """The engine and the three baselines, ALS with the engine's own ALS settings."""
    config = config or EngineConfig()
    return [
        Engine(config),
        MostPopular(),
        MarkovChain(),
        AlsBaseline(factors=config.als_factors, iterations=config.als_iterations, seed=config.seed),
    ]


def evaluate_log(
    *,
    log: str | Path,
    limit_users: int | None = None,
    seed: int = 0,
    config: EngineConfig | None = None,
) -> tuple[Interactions, list[Result]]:
    data, _ = load(log)
    if int((data.user_lengths >= 2).sum()) == 0:
        raise LogError(f"{log}: no user has two or more interactions, so none can be evaluated")
    return data, evaluate(data, all_models(config), limit_users=limit_users, seed=seed)
