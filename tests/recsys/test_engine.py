"""The engine: candidates from every source, ordered by the ranker it learned from the log."""

import numpy as np

from clipcart.feed.recsys import Engine, build_interactions, leave_last_out
from clipcart.feed.recsys.baselines import AlsBaseline, MarkovChain, MostPopular
from clipcart.feed.recsys.evaluate import evaluate
from clipcart.feed.recsys.log import parse_rows

from .conftest import chain_log


def load(rows):
    text_rows = [[str(value) for value in row] for row in rows]
    return build_interactions(parse_rows([["user_id", "item_id", "timestamp"], *text_rows]))


def test_on_an_obvious_sequence_the_engine_ranks_the_next_item_first(small_config):
    data = load([*chain_log(), ("newcomer", "item3", 1), ("newcomer", "item4", 2)])
    engine = Engine(small_config)
    engine.fit(data)

    recommended = dict(engine.recommend(data, k=3))

    newcomer = data.user_ids.index["newcomer"]
    assert data.item_ids.ids[recommended[newcomer][0]] == "item5"


def test_recommendations_never_repeat_what_the_user_has_seen(small_config):
    data = load(chain_log())
    engine = Engine(small_config)
    engine.fit(data)

    for user, items in engine.recommend(data, k=8):
        # 12 items, 6 seen: all 6 others, never one of the seen.
        assert sorted(items.tolist() + data.history(user).tolist()) == list(range(12))


def test_the_engine_beats_the_baselines_on_held_out_next_items(small_config):
    data = load(chain_log(users=80))

    results = {r.name: r for r in evaluate(data, [Engine(small_config), MostPopular()])}

    assert results["engine"].hit_rate[10] == 1.0
    assert results["engine"].ndcg[10] > 0.9
    assert results["most popular"].ndcg[10] < results["engine"].ndcg[10]


def test_the_ranker_never_sees_a_held_out_item(small_config):
    """Its training groups come from the training split alone: the sources it learns from are
    fitted without each user's last training items, and labelled with those items."""
    data = load(chain_log())
    split = leave_last_out(data)
    engine = Engine(small_config)
    engine.fit(split.train)

    assert engine.clock is not None
    assert engine.clock.total.sum() == len(split.train)


def test_the_baselines_score_the_whole_catalogue(small_config):
    data = load(chain_log())
    batch = data.batch(np.arange(4))
    for model in (MostPopular(), MarkovChain(), AlsBaseline(factors=4, iterations=2)):
        model.fit(data)
        assert model.score(batch).shape == (4, data.n_items)


def test_a_log_too_small_for_a_ranker_still_gets_recommendations(small_config):
    data = load([("a", "x", 1), ("b", "y", 2), ("b", "z", 3)])
    engine = Engine(small_config)
    engine.fit(data)

    recommended = {
        data.user_ids.ids[u]: [data.item_ids.ids[i] for i in items]
        for u, items in engine.recommend(data, k=5)
    }

    assert sorted(recommended["a"]) == ["y", "z"]
    assert recommended["b"] == ["x"]
