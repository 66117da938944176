"""Interactions: repeated pairs collapse to the first meeting; leave-one-out holds out the last."""

import numpy as np

from clipcart.feed.recsys import build_interactions, leave_last_out
from clipcart.feed.recsys.log import parse_rows


def interactions(rows):
    return build_interactions(parse_rows([["user_id", "item_id", "timestamp"], *rows]))


def test_a_repeated_pair_is_one_interaction_at_its_first_time_with_a_count():
    data = interactions([["u", "a", "5"], ["u", "b", "6"], ["u", "a", "9"]])

    assert [data.item_ids.ids[i] for i in data.history(0)] == ["a", "b"]
    assert data.times.tolist() == [5, 6]
    assert data.counts.tolist() == [2.0, 1.0]


def test_each_users_latest_interaction_is_held_out_by_time_not_file_order():
    data = interactions([["u", "late", "9"], ["u", "early", "1"], ["v", "x", "3"], ["v", "y", "4"]])

    split = leave_last_out(data)

    pairs = zip(split.users, split.held_out, strict=True)
    held = {data.user_ids.ids[u]: data.item_ids.ids[i] for u, i in pairs}
    assert held == {"u": "late", "v": "y"}
    assert len(split.train) == 2


def test_a_user_with_a_single_interaction_is_trained_on_but_not_evaluated():
    data = interactions([["solo", "a", "1"], ["v", "a", "2"], ["v", "b", "3"]])

    split = leave_last_out(data)

    assert [data.user_ids.ids[u] for u in split.users] == ["v"]
    solo = data.user_ids.index["solo"]
    assert split.train.history(solo).tolist() == [data.item_ids.index["a"]]


def test_the_seen_matrix_is_sparse_and_binary():
    data = interactions([["u", "a", "1"], ["u", "a", "2"], ["v", "b", "3"]])

    assert data.matrix.nnz == 2
    assert np.all(data.matrix.data == 1.0)
