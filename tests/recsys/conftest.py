"""Small logs written to temporary CSV files, and an engine configuration sized for tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clipcart.feed.recsys import EngineConfig

HEADER = ("user_id", "item_id", "timestamp")


def write_csv(path: Path, rows, header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def chain_log(users: int = 60, items: int = 12, length: int = 6) -> list[tuple[str, str, int]]:
    """Everyone walks the same cycle item0 → item1 → … from their own starting point: the
    next item is always obvious from the last one."""
    rows = []
    for user in range(users):
        start = (user * 5) % items
        for step in range(length):
            rows.append((f"user{user}", f"item{(start + step) % items}", 1000 * user + step))
    return rows


@pytest.fixture
def small_config() -> EngineConfig:
    return EngineConfig(
        per_source=10, trees=30, min_leaf=5, als_factors=8, als_iterations=3, ranker_holdouts=2
    )


@pytest.fixture
def chain_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "chain.csv", chain_log())
