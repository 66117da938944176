"""The operator's For You page /operator/ranking/: staff only, the policy as a form that refuses
bad values beside their field, and the exploration pools with an empty state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clipcart.feed.models import Exploration
from clipcart.feed.policy import OUTCOMES, current_policy
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def url() -> str:
    return reverse("web:operator_ranking")


def form(**overrides) -> dict:
    values = {f"w_{o}": str(w) for o, w in current_policy().weights.items()}
    values |= {"exploration_percent": "8", "plain_min": "2", "plain_window": "3"}
    return {**values, **overrides}


def test_an_operator_sees_the_policy_and_an_empty_exploration_state(client, operator):
    client.force_login(operator)

    page = client.get(url())

    assert page.status_code == 200
    text = page.text
    assert "For You ranking" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert all(f'name="w_{outcome}"' in text for outcome in OUTCOMES)
    assert 'value="-8.0"' in text  # the negative weight as shipped
    assert "No video in exploration yet" in text
    assert "Matching viewers" in text and "Everyone" in text


def test_an_operator_saves_a_change_that_every_feed_then_uses(client, operator):
    client.force_login(operator)

    answer = client.post(url(), form(w_purchase="10", w_negative="-30", exploration_percent="10"))

    assert answer.status_code == 302
    policy = current_policy()
    assert (policy.weights["purchase"], policy.weights["negative"]) == (10.0, -30.0)
    assert policy.exploration_share == 0.10
    followed = client.get(answer.url)
    assert "Ranking policy saved" in followed.text
    assert f"by {operator.username}" in followed.text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"w_negative": "2"}, "w_negative"),
        ({"w_like": "500"}, "w_like"),
        ({"w_share": "lots"}, "w_share"),
        ({"exploration_percent": "20"}, "exploration_percent"),
        ({"plain_window": "0"}, "plain_window"),
        ({"plain_min": "5"}, "plain_min"),  # more than the window of 3
    ],
)
def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(
    client, operator, overrides, field
):
    client.force_login(operator)

    page = client.post(url(), form(**{"w_follow": "7", **overrides}))

    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert "has-error" in page.text
    assert current_policy().weights["follow"] == 4.0


def test_the_pools_and_newest_explorations_are_listed(client, operator, creator):
    post = make_post(creator=creator, caption="Shelf tour #booktok")
    Exploration.objects.create(
        post=post, tier=1, impressions=140, successes=60, tier_impressions=40
    )
    client.force_login(operator)

    text = client.get(url()).text

    assert "Shelf tour #booktok" in text
    assert f"@{creator.username}" in text
    assert "Exploring" in text and ">140<" in text


def test_the_page_is_hidden_from_everyone_but_staff(client, shopper):
    assert client.get(url()).status_code == 302  # to the sign-in page
    client.force_login(shopper)
    assert client.get(url()).status_code == 404
    assert client.post(url(), form(w_like="50")).status_code == 404
    assert current_policy().weights["like"] == 2.0
