"""Registering, signing in and out, and the limit on guessing passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_login_and_register_pages_render(client):
    assert client.get(reverse("web:login")).status_code == 200
    assert client.get(reverse("web:register")).status_code == 200


def test_registering_signs_the_new_shopper_in(client):
    response = client.post(
        reverse("web:register"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password": PASSWORD,
            "birth_date": "2000-01-01",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.filter(username="newbie").exists()
    assert "newbie" in client.get("/").content.decode()


def test_registering_with_a_weak_password_shows_why(client):
    response = client.post(
        reverse("web:register"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password": "123",
            "birth_date": "2000-01-01",
        },
    )

    assert response.status_code == 422
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="newbie").exists()


def test_registering_a_taken_username_is_a_conflict(client, shopper):
    response = client.post(
        reverse("web:register"),
        {
            "username": "Shopper",
            "email": "other@example.com",
            "password": PASSWORD,
            "birth_date": "2000-01-01",
        },
    )

    assert response.status_code == 409
    assert response.context["form"].errors["username"] == ["That username is taken."]


def test_login_honours_a_local_next(client, shopper):
    response = client.post(
        reverse("web:login"), {"username": "shopper", "password": PASSWORD, "next": "/orders/"}
    )

    assert response["Location"] == "/orders/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_login_ignores_a_next_that_leaves_the_site(client, shopper, target):
    response = client.post(
        f"{reverse('web:login')}?next={target}", {"username": "shopper", "password": PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == "/"


def test_wrong_password_is_a_form_error(client, shopper):
    response = client.post(reverse("web:login"), {"username": "shopper", "password": "nope"})

    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_rate_limited(client, shopper, settings):
    settings.LOGIN_RATE_LIMIT = "5/5m"
    statuses = [
        client.post(reverse("web:login"), {"username": "shopper", "password": "nope"}).status_code
        for _ in range(6)
    ]
    correct = client.post(reverse("web:login"), {"username": "shopper", "password": PASSWORD})

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert correct.status_code == 429
    assert "Too many login attempts" in correct.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_signs_out(shopper_client):
    assert shopper_client.get(reverse("web:logout")).status_code == 405

    response = shopper_client.post(reverse("web:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in shopper_client.session


def test_signed_in_visitor_sees_the_account_menu(shopper_client):
    html = shopper_client.get("/").content.decode()

    assert "Your orders" in html and "Sign out" in html and "Sign in" not in html
