"""GET and PATCH /api/v1/operator/ranking-policy: staff only, partial changes, a 422 naming each
bad field, and a change that the ranker's `current_policy()` serves at once."""

from __future__ import annotations

import pytest

from clipcart.feed.policy import current_policy
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db
URL = "/operator/ranking-policy"


@pytest.fixture
def operator_api(operator):
    return ApiClient(operator)


def test_an_operator_reads_the_policy(operator_api):
    answer = operator_api.get(URL)

    assert answer.status_code == 200
    body = answer.json()
    assert body["weights"] == {
        "completion": 1.0,
        "like": 2.0,
        "share": 4.0,
        "follow": 4.0,
        "anchor_click": 1.5,
        "add_to_cart": 3.0,
        "purchase": 6.0,
        "negative": -8.0,
    }
    assert (body["exploration_share"], body["plain_min"], body["plain_window"]) == (0.08, 2, 3)
    assert body["updated_by"] is None
    assert body["updated_at"]


def test_a_partial_patch_changes_only_what_was_sent_and_is_served_at_once(operator_api, operator):
    current_policy()  # the ranker has it cached

    answer = operator_api.patch(URL, {"weights": {"negative": -25}, "plain_min": 1})

    assert answer.status_code == 200
    body = answer.json()
    assert body["weights"]["negative"] == -25.0
    assert body["weights"]["purchase"] == 6.0
    assert (body["plain_min"], body["plain_window"]) == (1, 3)
    assert body["updated_by"] == operator.username
    assert current_policy().weights["negative"] == -25.0
    assert current_policy().plain_min == 1
    assert operator_api.get(URL).json() == body


@pytest.mark.parametrize("method", ["get", "patch"])
def test_someone_who_is_not_staff_gets_403(shopper_api, method):
    call = getattr(shopper_api, method)
    answer = call(URL) if method == "get" else call(URL, {"weights": {"like": 50}})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_operator"
    assert current_policy().weights["like"] == 2.0


def test_without_a_token_it_is_401(api):
    assert api.get(URL).status_code == 401
    assert api.patch(URL, {"plain_min": 1}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weights": {"like": "a lot"}}, "weights.like"),
        ({"weights": {"share": True}}, "weights.share"),
        ({"weights": {"share": None}}, "weights.share"),
        ({"weights": {"purchase": 250}}, "weights.purchase"),
        ({"weights": {"negative": 2}}, "weights.negative"),
        ({"weights": {"dwell_time": 1}}, "weights.dwell_time"),
        ({"weights": "heavy"}, "weights"),
        ({"exploration_share": 0.2}, "exploration_share"),
        ({"exploration_share": 0.049}, "exploration_share"),
        ({"exploration_share": "8%"}, "exploration_share"),
        ({"plain_min": 5}, "plain_min"),
        ({"plain_min": 1.5}, "plain_min"),
        ({"plain_window": 0}, "plain_window"),
        ({"plain_window": 40}, "plain_window"),
        ({"plain_window": "3"}, "plain_window"),
        ({"shoppable_share": 0.3}, "shoppable_share"),
    ],
)
def test_each_bad_field_is_a_422_that_names_it(operator_api, body, field):
    answer = operator_api.patch(URL, body)

    assert answer.status_code == 422, answer.json()
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert error["message"]
    assert operator_api.get(URL).json()["updated_by"] is None  # nothing was written


def test_a_body_that_is_not_json_is_refused(operator_api):
    answer = operator_api.patch(URL, "{not json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert operator_api.get(URL).json()["updated_by"] is None
