"""Interactions as integer-coded arrays with id maps, a sparse user × item matrix, and batches.

Every model in the engine reads the same `Interactions`: built from a CSV log offline, and
(later) from the feed's event log for the live feed. Repeated (user, item) pairs collapse to one
interaction at the first time, with the number of repeats kept as a count: a recommender of
items the user has not interacted with predicts discoveries, so the moment that counts is when
the user first met the item (and the last discovery is what leave-one-out holds out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .log import InteractionLog


@dataclass(frozen=True)
class IdMap:
    """Strings ↔ dense integer codes 0..n-1, in order of first appearance."""

    ids: list[str]
    index: dict[str, int]

    @classmethod
    def encode(cls, values: Sequence[str]) -> tuple[IdMap, np.ndarray]:
        index: dict[str, int] = {}
        codes = np.fromiter(
            (index.setdefault(value, len(index)) for value in values),
            dtype=np.int32,
            count=len(values),
        )
        return cls(list(index), index), codes

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Interactions:
    """One row per distinct (user, item) pair, sorted by user, then time, then file order."""

    user_ids: IdMap
    item_ids: IdMap
    users: np.ndarray  # int32 user code of each row
    items: np.ndarray  # int32 item code
    times: np.ndarray  # int64 first time of the pair
    counts: np.ndarray  # float32 how often the pair occurred
    indptr: np.ndarray = field(init=False)  # rows of user u: indptr[u]:indptr[u + 1]

    def __post_init__(self) -> None:
        per_user = np.bincount(self.users, minlength=self.n_users)
        self.indptr = np.concatenate([[0], np.cumsum(per_user)]).astype(np.int64)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.users)

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """Binary user × item matrix (float32), the "seen" mask and ALS's input."""
        data = np.ones(len(self.users), dtype=np.float32)
        shape = (self.n_users, self.n_items)
        return sp.csr_matrix((data, (self.users, self.items)), shape=shape)

    @cached_property
    def user_lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    @cached_property
    def user_last_time(self) -> np.ndarray:
        """Each user's latest interaction time (0 for a user with none left after a split)."""
        last = np.zeros(self.n_users, dtype=np.int64)
        has_rows = self.user_lengths > 0
        last[has_rows] = self.times[self.indptr[1:][has_rows] - 1]
        return last

    def history(self, user: int) -> np.ndarray:
        """The user's items, oldest first."""
        return self.items[self.indptr[user] : self.indptr[user + 1]]

    def subset(self, keep: np.ndarray) -> Interactions:
        """The rows where `keep` is true, with the same id maps (codes stay valid)."""
        return Interactions(
            self.user_ids,
            self.item_ids,
            self.users[keep],
            self.items[keep],
            self.times[keep],
            self.counts[keep],
        )

    def batch(self, users: np.ndarray, history_len: int = 50) -> UserBatch:
        """What the models need to score a group of users: their seen items, their recent items
        (newest first) and the time they are scored at (their latest interaction)."""
        recent = [self.history(int(user))[::-1][:history_len] for user in users]
        return UserBatch(
            users=np.asarray(users, dtype=np.int64),
            seen=self.matrix[users],
            recent=recent,
            now=self.user_last_time[users],
        )


@dataclass(frozen=True)
class UserBatch:
    users: np.ndarray
    seen: sp.csr_matrix  # B × n_items, non-zero where the user has interacted
    recent: list[np.ndarray]  # per user, item codes newest first
    now: np.ndarray  # per user, the reference time (int64)

    def __len__(self) -> int:
        return len(self.users)


@dataclass(frozen=True)
class Split:
    """Leave-one-out: each user's latest interaction held out of `train`."""

    train: Interactions
    users: np.ndarray  # users with a held-out item
    held_out: np.ndarray  # their held-out item, aligned with `users`


def build_interactions(log: InteractionLog) -> Interactions:
    user_ids, users = IdMap.encode(log.users)
    item_ids, items = IdMap.encode(log.items)
    times = log.timestamps
    order = np.arange(len(users))
    # First occurrence of each (user, item) pair: sort by pair, then time, then file order.
    by_pair = np.lexsort((order, times, items, users))
    pair_users, pair_items = users[by_pair], items[by_pair]
    is_first = np.ones(len(by_pair), dtype=bool)
    is_first[1:] = (pair_users[1:] != pair_users[:-1]) | (pair_items[1:] != pair_items[:-1])
    starts = np.flatnonzero(is_first)
    counts = np.diff(np.append(starts, len(by_pair))).astype(np.float32)
    kept = by_pair[is_first]
    # Then each user's pairs in time order; ties in time keep the file's order.
    chrono = np.lexsort((order[kept], times[kept], users[kept]))
    rows = kept[chrono]
    return Interactions(user_ids, item_ids, users[rows], items[rows], times[rows], counts[chrono])


def leave_last_out(data: Interactions, n: int = 1) -> Split:
    """Hold out each user's n-th latest interaction (by time, then file order) and everything
    after it. Users without an earlier interaction to keep have nothing to predict from: they
    stay in `train` whole and are not evaluated."""
    lengths = data.user_lengths
    users = np.flatnonzero(lengths >= n + 1)
    target_rows = data.indptr[users + 1] - n
    position = np.arange(len(data)) - data.indptr[data.users]
    keep = position < np.maximum(lengths[data.users] - n, 0)
    keep |= lengths[data.users] <= n  # too short: kept whole, as with n = 1
    return Split(data.subset(keep), users, data.items[target_rows])
