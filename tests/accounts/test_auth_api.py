import pytest

from clipcart.accounts.models import ApiToken, User

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_new_user_registers_and_gets_a_token_that_identifies_them(api):
    response = api.post(
        "/auth/register",
        {"username": "ana", "email": "ana@example.com", "password": "a-long-pass-phrase"},
    )
    assert response.status_code == 201
    assert set(response.json()) == {"id", "username"}

    token = api.post("/auth/token", {"username": "ana", "password": "a-long-pass-phrase"})
    assert token.status_code == 200
    me = api.get("/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "ana"
    assert me.json()["roles"] == ["shopper"]


def test_tokens_are_stored_only_as_hashes(api, shopper):
    raw = api.post("/auth/token", {"username": "shopper", "password": PASSWORD}).json()["token"]
    stored = ApiToken.objects.get(user=shopper)
    assert raw not in {stored.token_hash, stored.prefix}
    assert len(stored.token_hash) == 64


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"username": "bad name!", "email": "x@example.com", "password": "a-long-pass-phrase"},
            "username",
        ),
        (
            {"username": "x" * 31, "email": "x@example.com", "password": "a-long-pass-phrase"},
            "username",
        ),
        (
            {"username": "okname", "email": "not-an-email", "password": "a-long-pass-phrase"},
            "email",
        ),
        ({"username": "okname", "email": "x@example.com", "password": "123"}, "password"),
        ({"username": 12, "email": "x@example.com", "password": "a-long-pass-phrase"}, "username"),
    ],
)
def test_registration_rejects_bad_input_with_the_field_to_blame(api, body, field):
    response = api.post("/auth/register", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not User.objects.filter(email="x@example.com").exists()


def test_a_taken_username_or_email_is_a_conflict(api, shopper):
    taken_name = api.post(
        "/auth/register",
        {"username": "Shopper", "email": "new@example.com", "password": "a-long-pass-phrase"},
    )
    taken_email = api.post(
        "/auth/register",
        {"username": "fresh", "email": shopper.email, "password": "a-long-pass-phrase"},
    )
    assert taken_name.status_code == 409
    assert taken_name.json()["error"]["code"] == "username_taken"
    assert taken_email.status_code == 409
    assert taken_email.json()["error"]["code"] == "email_taken"


def test_a_wrong_password_is_401_with_an_error_code(api, shopper):
    response = api.post("/auth/token", {"username": "shopper", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_is_rate_limited_even_for_the_right_password(api, shopper, settings):
    settings.LOGIN_RATE_LIMIT = "5/m"
    for _ in range(5):
        api.post("/auth/token", {"username": "shopper", "password": "guess"})
    response = api.post("/auth/token", {"username": "shopper", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer cc_unknown", "Basic abc"])
def test_me_without_a_valid_token_is_401(api, header):
    headers = {"Authorization": header} if header else {}
    response = api.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_token_stops_working(shopper_api, shopper):
    ApiToken.objects.filter(user=shopper).update(revoked_at="2026-01-01T00:00:00Z")
    assert shopper_api.get("/me").status_code == 401


def test_creating_a_shop_adds_the_seller_role(seller_api):
    seller_api.post("/shops", {"name": "Desk Goods"})
    me = seller_api.get("/me").json()
    assert me["roles"] == ["shopper", "seller"]
    assert [s["name"] for s in me["shops"]] == ["Desk Goods"]


def test_successful_logins_do_not_use_up_the_budget(api, shopper, settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    for _ in range(10):
        assert (
            api.post("/auth/token", {"username": "shopper", "password": PASSWORD}).status_code
            == 200
        )


def test_failures_for_one_username_do_not_lock_out_other_people_at_other_addresses(
    api, shopper, stranger, settings
):
    settings.LOGIN_RATE_LIMIT = "3/m"
    for _ in range(3):
        api.post(
            "/auth/token", {"username": "shopper", "password": "guess"}, REMOTE_ADDR="10.0.0.1"
        )
    locked = api.post(
        "/auth/token", {"username": "shopper", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    other = api.post(
        "/auth/token", {"username": "stranger", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert (locked.status_code, other.status_code) == (429, 200)
