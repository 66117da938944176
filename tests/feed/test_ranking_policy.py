"""The operator's ranking policy: shipped defaults, validation naming the bad field, staff only,
and every change served at once (the cache is dropped, not waited out)."""

from __future__ import annotations

import math

import pytest
from django.urls import reverse

from clipcart.core.errors import InvalidInput, PermissionDenied
from clipcart.feed.models import Exploration, RankerModel, RankingPolicy
from clipcart.feed.policy import OUTCOMES, Policy, current_policy, update_policy
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_the_shipped_policy_is_served_and_its_row_created_on_first_read():
    assert not RankingPolicy.objects.exists()

    policy = current_policy()

    assert policy == Policy(
        weights={
            "completion": 1.0,
            "like": 2.0,
            "share": 4.0,
            "follow": 4.0,
            "anchor_click": 1.5,
            "add_to_cart": 3.0,
            "purchase": 6.0,
            "negative": -8.0,
        },
        exploration_share=0.08,
        plain_min=2,
        plain_window=3,
    )
    assert RankingPolicy.objects.get().pk == 1
    assert set(policy.weights) == set(OUTCOMES)


def test_an_operators_change_is_served_at_once_even_after_a_cached_read(operator):
    current_policy()  # cached now

    update_policy(
        operator=operator,
        changes={"weights": {"purchase": 9, "negative": -20.5}, "exploration_share": 0.05},
    )

    policy = current_policy()
    assert policy.weights["purchase"] == 9.0
    assert policy.weights["negative"] == -20.5
    assert policy.weights["like"] == 2.0  # untouched
    assert policy.exploration_share == 0.05
    assert RankingPolicy.objects.get().updated_by == operator


def test_the_shoppable_cap_can_be_changed_together(operator):
    policy = update_policy(operator=operator, changes={"plain_min": 4, "plain_window": 5})

    assert (policy.plain_min, policy.plain_window) == (4, 5)
    assert (current_policy().plain_min, current_policy().plain_window) == (4, 5)


def test_only_staff_change_the_policy(shopper, creator):
    for person in (shopper, creator):
        with pytest.raises(PermissionDenied):
            update_policy(operator=person, changes={"weights": {"like": 50}})

    assert current_policy().weights["like"] == 2.0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weights": {"like": math.nan}}, "weights.like"),
        ({"weights": {"share": math.inf}}, "weights.share"),
        ({"weights": {"purchase": 100.5}}, "weights.purchase"),
        ({"weights": {"completion": -101}}, "weights.completion"),
        ({"weights": {"follow": "3"}}, "weights.follow"),
        ({"weights": {"add_to_cart": True}}, "weights.add_to_cart"),
        ({"weights": {"anchor_click": None}}, "weights.anchor_click"),
        ({"weights": {"negative": 0.5}}, "weights.negative"),
        ({"weights": {"dwell": 1}}, "weights.dwell"),
        ({"weights": [1, 2]}, "weights"),
        ({"exploration_share": 0.04}, "exploration_share"),
        ({"exploration_share": 0.11}, "exploration_share"),
        ({"exploration_share": 0.075}, "exploration_share"),
        ({"exploration_share": "0.06"}, "exploration_share"),
        ({"plain_window": 0}, "plain_window"),
        ({"plain_window": 21}, "plain_window"),
        ({"plain_window": 2.5}, "plain_window"),
        ({"plain_min": -1}, "plain_min"),
        ({"plain_min": 4}, "plain_min"),  # the window is 3
        ({"plain_window": 1}, "plain_min"),  # 2 of every 1 cannot be
        ({"ads_share": 0.5}, "ads_share"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_changes(operator, changes, field):
    with pytest.raises(InvalidInput) as refused:
        update_policy(operator=operator, changes={"weights": {"like": 7}, **changes})

    assert refused.value.field == field
    assert current_policy().weights["like"] == 2.0  # the valid part was not applied either


def test_boundary_values_are_accepted(operator):
    policy = update_policy(
        operator=operator,
        changes={
            "weights": {"completion": 100, "like": -100, "negative": 0},
            "exploration_share": 0.1,
            "plain_min": 0,
            "plain_window": 20,
        },
    )

    assert (policy.weights["completion"], policy.weights["like"]) == (100.0, -100.0)
    assert policy.weights["negative"] == 0.0
    assert (policy.exploration_share, policy.plain_min, policy.plain_window) == (0.1, 0, 20)


# --- Admin --------------------------------------------------------------------------------------


def admin_form(**overrides) -> dict:
    row = RankingPolicy.objects.get_or_create(pk=1)[0]
    values = {f"w_{o}": getattr(row, f"w_{o}") for o in OUTCOMES}
    values |= {"exploration_share": row.exploration_share, "plain_min": 2, "plain_window": 3}
    return {**values, **overrides}


def test_an_operator_changes_the_policy_in_the_admin_and_it_is_served(client, operator):
    client.force_login(operator)
    url = reverse("admin:feed_rankingpolicy_change", args=[1])

    response = client.post(url, admin_form(w_share="6.5", exploration_share="0.10"))

    assert response.status_code == 302
    assert current_policy().weights["share"] == 6.5
    assert current_policy().exploration_share == 0.10
    assert RankingPolicy.objects.get().updated_by == operator


def test_the_admin_refuses_a_positive_negative_weight_beside_the_field(client, operator):
    client.force_login(operator)
    url = reverse("admin:feed_rankingpolicy_change", args=[1])

    response = client.post(url, admin_form(w_negative="3"))

    assert response.status_code == 200
    assert "w_negative" in response.context["adminform"].form.errors
    assert current_policy().weights["negative"] == -8.0


def test_the_admin_lists_the_one_policy_row_and_cannot_add_or_delete_it(client, operator):
    client.force_login(operator)

    listing = client.get(reverse("admin:feed_rankingpolicy_changelist"))

    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [RankingPolicy.objects.get()]
    assert client.get(reverse("admin:feed_rankingpolicy_add")).status_code == 403
    assert client.get(reverse("admin:feed_rankingpolicy_delete", args=[1])).status_code == 403


def test_the_admin_shows_explorations_with_their_rates(client, operator, creator):
    post = make_post(creator=creator)
    Exploration.objects.create(
        post=post, tier=1, impressions=200, successes=50, tier_impressions=100, tier_successes=40
    )
    client.force_login(operator)

    listing = client.get(reverse("admin:feed_exploration_changelist"))

    assert listing.status_code == 200
    assert "25.0%" in listing.text and "40.0%" in listing.text
    assert client.get(reverse("admin:feed_exploration_add")).status_code == 403


def test_the_admin_shows_trained_models_without_their_blob(client, operator):
    model = RankerModel.objects.create(
        events=1200, items=80, seconds=3.5, summary={"ndcg@10": 0.31}, blob=b"SECRET-PICKLE"
    )
    client.force_login(operator)

    listing = client.get(reverse("admin:feed_rankermodel_changelist"))
    detail = client.get(reverse("admin:feed_rankermodel_change", args=[model.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "1200" in listing.text and "ndcg@10" in listing.text
    assert "SECRET-PICKLE" not in listing.text + detail.text
    assert "blob" not in detail.context["adminform"].form.fields
