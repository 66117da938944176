"""GET and PATCH /api/v1/me/privacy, and the optional date of birth at sign-up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests.conftest import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

TODAY = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_a_new_account_reads_its_privacy_as_not_yet_asked(shopper_api):
    response = shopper_api.get("/me/privacy")

    assert response.status_code == 200
    assert response.json() == {
        "personalization": None,
        "personalized": False,
        "asked": False,
        "minor": False,
        "birth_date": None,
        "region": "US",
        "region_name": "United States of America",
    }


def test_privacy_needs_a_bearer_token(api):
    assert api.get("/me/privacy").status_code == 401
    response = api.patch("/me/privacy", {"personalization": True})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_patching_every_setting_answers_the_new_state(shopper_api, shopper):
    with time_machine.travel(TODAY, tick=False):
        response = shopper_api.patch(
            "/me/privacy", {"personalization": True, "birth_date": "1990-04-02", "region": "de"}
        )

    assert response.status_code == 200
    assert response.json() == {
        "personalization": True,
        "personalized": True,
        "asked": True,
        "minor": False,
        "birth_date": "1990-04-02",
        "region": "DE",
        "region_name": "Germany",
    }
    shopper.refresh_from_db()
    assert (shopper.personalization, shopper.birth_date, shopper.region) == (
        True,
        date(1990, 4, 2),
        "DE",
    )


def test_a_field_left_out_keeps_its_value(shopper_api, shopper):
    shopper_api.patch("/me/privacy", {"personalization": False})

    response = shopper_api.patch("/me/privacy", {"region": "FR"})

    assert response.json()["personalization"] is False
    assert response.json()["region"] == "FR"


def test_a_token_changes_only_its_own_accounts_privacy(shopper_api, shopper, stranger):
    shopper_api.patch("/me/privacy", {"personalization": True, "region": "FR"})

    stranger.refresh_from_db()
    assert (stranger.personalization, stranger.region) == (None, "")
    assert ApiClient(stranger).get("/me/privacy").json()["asked"] is False


def test_a_minor_turning_personalization_on_is_forbidden():
    teen = UserFactory(birth_date=date(2010, 1, 1))

    with time_machine.travel(TODAY, tick=False):
        response = ApiClient(teen).patch("/me/privacy", {"personalization": True})
        privacy = ApiClient(teen).get("/me/privacy").json()

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "minor_not_personalized"
    assert response.json()["error"]["field"] == "personalization"
    assert (privacy["minor"], privacy["personalized"], privacy["personalization"]) == (
        True,
        False,
        None,
    )


def test_a_minors_birth_date_with_a_yes_changes_nothing(shopper_api, shopper):
    with time_machine.travel(TODAY, tick=False):
        response = shopper_api.patch(
            "/me/privacy", {"personalization": True, "birth_date": "2011-05-05"}
        )

    assert response.status_code == 403
    shopper.refresh_from_db()
    assert (shopper.birth_date, shopper.personalization) == (None, None)


def test_a_birth_date_cannot_be_changed_once_set(shopper_api):
    with time_machine.travel(TODAY, tick=False):
        shopper_api.patch("/me/privacy", {"birth_date": "2010-01-01"})
        response = shopper_api.patch("/me/privacy", {"birth_date": "1990-01-01"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "birth_date_locked"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"personalization": "yes"}, "personalization", "invalid"),
        ({"personalization": 1}, "personalization", "invalid"),
        ({"birth_date": "2001-02-30"}, "birth_date", "invalid"),
        ({"birth_date": "next tuesday"}, "birth_date", "invalid"),
        ({"birth_date": 0}, "birth_date", "invalid"),
        ({"birth_date": "2030-01-01"}, "birth_date", "invalid_birth_date"),
        ({"birth_date": "1890-01-01"}, "birth_date", "invalid_birth_date"),
        ({"birth_date": "2020-01-01"}, "birth_date", "too_young"),
        ({"region": "ZZ"}, "region", "unknown_region"),
        ({"region": 44}, "region", "invalid"),
        ({"region": "United States"}, "region", "invalid"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(shopper_api, shopper, body, field, code):
    with time_machine.travel(TODAY, tick=False):
        response = shopper_api.patch("/me/privacy", body)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert response.json()["error"]["code"] == code
    shopper.refresh_from_db()
    assert (shopper.personalization, shopper.birth_date, shopper.region) == (None, None, "")


def test_privacy_is_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]

    assert {"get", "patch"} <= set(paths["/api/v1/me/privacy"])


# --- Sign-up --------------------------------------------------------------------------------------


def test_signing_up_through_the_api_without_a_birth_date_still_works(api):
    response = api.post(
        "/auth/register",
        {"username": "ana", "email": "ana@example.com", "password": "a-long-pass-phrase"},
    )

    assert response.status_code == 201
    assert set(response.json()) == {"id", "username"}
    assert User.objects.get(username="ana").birth_date is None


def test_signing_up_through_the_api_may_give_a_birth_date(api):
    with time_machine.travel(TODAY, tick=False):
        response = api.post(
            "/auth/register",
            {
                "username": "teen",
                "email": "teen@example.com",
                "password": "a-long-pass-phrase",
                "birth_date": "2010-03-04",
            },
        )

    assert response.status_code == 201
    assert User.objects.get(username="teen").birth_date == date(2010, 3, 4)


def test_signing_up_through_the_api_under_13_is_refused(api):
    with time_machine.travel(TODAY, tick=False):
        response = api.post(
            "/auth/register",
            {
                "username": "kid",
                "email": "kid@example.com",
                "password": "a-long-pass-phrase",
                "birth_date": "2016-03-04",
            },
        )

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "too_young",
        "message": "You must be at least 13 to use Clipcart.",
        "field": "birth_date",
    }
    assert not User.objects.filter(username="kid").exists()
