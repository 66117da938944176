"""The evaluator ranks every item and never lets ties favour the model."""

from dataclasses import dataclass

import numpy as np

from clipcart.feed.recsys import build_interactions
from clipcart.feed.recsys.evaluate import evaluate, held_out_ranks
from clipcart.feed.recsys.log import parse_rows


@dataclass
class Constant:
    name: str = "constant"

    def fit(self, data):
        self.n_items = data.n_items

    def score(self, batch):
        return np.zeros((len(batch), self.n_items), dtype=np.float32)


@dataclass
class Oracle:
    """Knows each user's held-out item (for the test only)."""

    answers: dict
    name: str = "oracle"

    def fit(self, data):
        self.n_items = data.n_items

    def score(self, batch):
        scores = np.zeros((len(batch), self.n_items), dtype=np.float32)
        for row, user in enumerate(batch.users):
            scores[row, self.answers[int(user)]] = 1.0
        return scores


def random_log(users=400, items=200, per_user=5, seed=1):
    rng = np.random.default_rng(seed)
    rows = [["user_id", "item_id", "timestamp"]]
    for user in range(users):
        for step, item in enumerate(rng.choice(items, per_user, replace=False)):
            rows.append([f"u{user}", f"i{item}", str(step)])
    return build_interactions(parse_rows(rows))


def test_a_model_that_scores_everything_zero_gets_the_hit_rate_of_chance():
    data = random_log()

    (result,) = evaluate(data, [Constant()])

    # 4 seen items are excluded, so 10 of the 196 remaining: about 0.051.
    assert abs(result.hit_rate[10] - 10 / 196) < 0.03
    assert result.hit_rate[20] > result.hit_rate[10]


def test_a_model_that_knows_the_answer_gets_everything_right():
    data = random_log(users=50)
    answers = {int(u): int(data.history(u)[-1]) for u in range(data.n_users)}

    (result,) = evaluate(data, [Oracle(answers)])

    assert result.hit_rate[10] == 1.0
    assert result.ndcg[10] == 1.0


def test_seen_items_are_not_counted_against_the_held_out_item():
    scores = np.array([[9.0, 8.0, 1.0, 0.0]])
    rows, cols = np.array([0, 0]), np.array([0, 1])  # the two top items were already seen

    rank = held_out_ranks(scores, rows, cols, np.array([2]), np.random.default_rng(0))

    assert rank.tolist() == [0]


def test_a_tie_with_the_held_out_item_is_broken_at_random():
    scores = np.zeros((2000, 5))
    rows = cols = np.array([], dtype=int)

    ranks = held_out_ranks(scores, rows, cols, np.zeros(2000, dtype=int), np.random.default_rng(0))

    assert set(ranks.tolist()) == {0, 1, 2, 3, 4}
    assert abs(ranks.mean() - 2.0) < 0.15


def test_a_nan_score_never_ranks_the_held_out_item_first():
    scores = np.array([[np.nan, 1.0, 2.0]])

    empty = np.array([], dtype=int)

    rank = held_out_ranks(scores, empty, empty, np.array([0]), np.random.default_rng(0))

    assert rank.tolist() == [2]
