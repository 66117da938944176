"""The Feed & privacy page, the feed's one-time "Personalize your For You feed?" question, and
the date of birth on the sign-up page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from clipcart.accounts import selectors as account_selectors
from clipcart.feed.selectors import SESSION_CHOICE_KEY
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PAGE = reverse("web:privacy_settings")
CHOICE = reverse("web:privacy_personalization")
BIRTH_DATE = reverse("web:privacy_birth_date")
REGION = reverse("web:privacy_region")
ANSWER = reverse("web:personalization_answer")
QUESTION = "Personalize your For You feed?"
HTMX = {"HX-Request": "true"}
TODAY = datetime(2026, 6, 15, 12, tzinfo=UTC)


def checked(page: str) -> list[str]:
    """The personalization options shown selected."""
    return re.findall(r'name="personalization" value="(\w+)"[^>]*\bchecked', page)


def reloaded(user):
    return User.objects.get(pk=user.pk)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teen():
    return UserFactory(username="teen", birth_date=date(2010, 1, 1))


@pytest.fixture
def on_today():
    with time_machine.travel(TODAY, tick=False):
        yield


# --- The page ------------------------------------------------------------------------------------


def test_the_page_explains_both_choices_and_preselects_neither_before_an_answer(shopper_client):
    response = shopper_client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "What you watch, like, share and buy on Clipcart picks your For You videos." in page
    assert (
        "For You shows what is popular in United States of America, Following is newest first, "
        "and nothing you do is used to pick videos for you."
    ) in page
    assert "You haven't chosen yet" in page
    assert checked(page) == []


def test_the_page_has_birth_date_region_and_data_links_for_a_signed_in_person(shopper_client):
    page = shopper_client.get(PAGE).content.decode()

    assert 'name="birth_date"' in page
    assert '<option value="DE">Germany</option>' in page
    assert "Default (United States of America)" in page
    assert "/settings/interests/" in page
    assert "Download my data" in page and "Erase my data" in page
    assert "counts as an adult" in page


def test_the_account_menu_links_to_the_page(shopper_client):
    menu = shopper_client.get("/orders/").content.decode()

    assert f'href="{PAGE}">Feed &amp; privacy</a>' in menu


def test_an_anonymous_visitor_gets_only_the_personalization_choice(client):
    response = client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="personalization"' in page
    assert 'name="birth_date"' not in page and 'name="region"' not in page
    assert "kept in this browser only" in page


def test_an_anonymous_visitors_choice_is_kept_in_their_session(client):
    response = client.post(CHOICE, {"personalization": "on"})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert client.session[SESSION_CHOICE_KEY] is True
    page = client.get(PAGE).content.decode()
    assert "Personalization is on" in page
    assert checked(page) == ["on"]


def test_a_signed_in_choice_is_kept_on_the_account_and_the_feed_follows_it(shopper_client, shopper):
    response = shopper_client.post(CHOICE, {"personalization": "on"}, headers=HTMX)

    assert response.status_code == 200
    assert "Personalization is on" in response.content.decode()
    stored = reloaded(shopper)
    assert stored.personalization is True and stored.personalization_answered_at is not None
    assert account_selectors.feed_privacy(stored).personalized is True

    shopper_client.post(CHOICE, {"personalization": "off"}, headers=HTMX)
    assert account_selectors.feed_privacy(reloaded(shopper)).personalized is False


def test_a_choice_that_is_neither_on_nor_off_is_refused(shopper_client, shopper):
    response = shopper_client.post(CHOICE, {"personalization": "maybe"}, headers=HTMX)

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert reloaded(shopper).personalization is None


def test_a_minor_sees_personalization_off_and_disabled_with_the_reason(teen, on_today):
    page = signed_in(teen).get(PAGE).content.decode()

    assert "Your account is under 18, so personalization stays off" in page
    assert '<fieldset class="choices" disabled>' in page
    assert checked(page) == ["off"]


def test_a_minor_cannot_turn_personalization_on(teen, on_today):
    response = signed_in(teen).post(CHOICE, {"personalization": "on"}, headers=HTMX)

    assert response.status_code == 403
    assert "Accounts under 18 can&#x27;t turn on personalization" in response.content.decode()
    assert reloaded(teen).personalization is None


def test_a_date_of_birth_is_set_once_then_shown_read_only(shopper_client, shopper, on_today):
    response = shopper_client.post(BIRTH_DATE, {"birth_date": "1990-04-02"})
    assert response.status_code == 302
    assert reloaded(shopper).birth_date == date(1990, 4, 2)

    page = shopper_client.get(PAGE).content.decode()
    assert "2 April 1990" in page and 'name="birth_date"' not in page

    again = shopper_client.post(BIRTH_DATE, {"birth_date": "2010-04-02"}, headers=HTMX)
    assert again.status_code == 409
    assert "already set" in again.content.decode()
    assert reloaded(shopper).birth_date == date(1990, 4, 2)


def test_a_minors_birth_date_turns_the_choice_off_on_the_page_at_once(
    shopper_client, shopper, on_today
):
    shopper_client.post(CHOICE, {"personalization": "on"})

    response = shopper_client.post(BIRTH_DATE, {"birth_date": "2011-05-05"}, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-labelledby="personalization-title" hx-swap-oob="true"' in page
    assert "Your account is under 18" in page
    assert account_selectors.feed_privacy(reloaded(shopper)).personalized is False


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("2020-01-01", 422, "You must be at least 13 to use Clipcart."),
        ("2030-01-01", 422, "can&#x27;t be in the future"),
        ("1 April", 422, "Enter a valid date."),
    ],
)
def test_a_bad_date_of_birth_is_explained(
    shopper_client, shopper, on_today, value, status, message
):
    response = shopper_client.post(BIRTH_DATE, {"birth_date": value}, headers=HTMX)

    assert response.status_code == status
    assert message in response.content.decode()
    assert reloaded(shopper).birth_date is None


def test_a_region_is_saved_and_named_in_the_off_sentence(shopper_client, shopper):
    response = shopper_client.post(REGION, {"region": "de"}, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your region is saved." in page
    assert "For You shows what is popular in Germany" in page
    assert reloaded(shopper).region == "DE"


def test_an_unknown_region_is_refused(shopper_client, shopper):
    response = shopper_client.post(REGION, {"region": "ZZ"})

    assert response.status_code == 422
    assert "Choose a country from the list" in response.content.decode()
    assert reloaded(shopper).region == ""


def test_birth_date_and_region_need_an_account(client):
    for url, body in [(BIRTH_DATE, {"birth_date": "1990-01-01"}), (REGION, {"region": "DE"})]:
        response = client.post(url, body)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_person_changes_only_their_own_settings(shopper_client, shopper, stranger):
    shopper_client.post(CHOICE, {"personalization": "on"})
    shopper_client.post(REGION, {"region": "FR"})

    stranger = reloaded(stranger)
    assert (stranger.personalization, stranger.region) == (None, "")
    assert "You haven't chosen yet" in signed_in(stranger).get(PAGE).content.decode()


def test_a_post_without_the_csrf_token_is_refused(shopper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)

    for url, body in [
        (CHOICE, {"personalization": "on"}),
        (ANSWER, {"personalization": "on"}),
        (REGION, {"region": "DE"}),
    ]:
        assert client.post(url, body).status_code == 403
    assert (reloaded(shopper).personalization, reloaded(shopper).region) == (None, "")


# --- The one-time question on the feed -----------------------------------------------------------


def test_a_new_visitor_is_asked_on_the_feed_with_two_equal_answers(client):
    page = client.get("/").content.decode()

    assert QUESTION in page
    assert '<button class="btn btn-dark" type="submit" name="personalization" value="on">' in page
    assert '<button class="btn btn-dark" type="submit" name="personalization" value="off">' in page


def test_an_anonymous_answer_removes_the_question_for_that_session(client):
    client.get("/")

    response = client.post(ANSWER, {"personalization": "off"}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Reswap"] == "delete"
    assert "Personalization is off" in response["HX-Trigger"]
    assert client.session[SESSION_CHOICE_KEY] is False
    assert QUESTION not in client.get("/").content.decode()
    assert QUESTION in Client().get("/").content.decode()  # another browser has not answered


def test_a_signed_in_answer_is_kept_for_every_device(shopper_client, shopper):
    assert QUESTION in shopper_client.get("/").content.decode()

    shopper_client.post(ANSWER, {"personalization": "on"}, headers=HTMX)

    assert reloaded(shopper).personalization is True
    assert QUESTION not in shopper_client.get("/").content.decode()
    assert QUESTION not in signed_in(shopper).get("/").content.decode()


def test_without_javascript_an_answer_goes_back_to_the_feed(client):
    response = client.post(ANSWER, {"personalization": "on", "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_CHOICE_KEY] is True


def test_an_answer_that_is_neither_yes_nor_no_keeps_the_question_with_an_error(client):
    response = client.post(ANSWER, {}, headers=HTMX)

    assert response.status_code == 422
    assert QUESTION in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert SESSION_CHOICE_KEY not in client.session


def test_a_minor_is_not_asked(teen, on_today):
    assert QUESTION not in signed_in(teen).get("/").content.decode()


def test_the_question_is_not_on_the_following_tab(shopper_client):
    assert QUESTION not in shopper_client.get(reverse("web:following")).content.decode()


# --- Signing up ----------------------------------------------------------------------------------


def registration(**fields) -> dict:
    return {"username": "newbie", "email": "newbie@example.com", "password": PASSWORD, **fields}


def test_signing_up_on_the_web_asks_for_a_date_of_birth(client):
    response = client.post(reverse("web:register"), registration())

    assert response.status_code == 422
    assert response.context["form"].errors["birth_date"] == ["This field is required."]
    assert not User.objects.filter(username="newbie").exists()


def test_signing_up_on_the_web_keeps_the_date_of_birth(client, on_today):
    response = client.post(reverse("web:register"), registration(birth_date="2000-02-03"))

    assert response.status_code == 302
    assert User.objects.get(username="newbie").birth_date == date(2000, 2, 3)


def test_signing_up_under_13_is_refused(client, on_today):
    response = client.post(reverse("web:register"), registration(birth_date="2016-01-01"))

    assert response.status_code == 422
    assert response.context["form"].errors["birth_date"] == [
        "You must be at least 13 to use Clipcart."
    ]
    assert not User.objects.filter(username="newbie").exists()


def test_an_answer_given_before_signing_up_is_not_asked_again(client, on_today):
    client.post(ANSWER, {"personalization": "off"}, headers=HTMX)

    client.post(reverse("web:register"), registration(birth_date="2000-02-03"))

    assert User.objects.get(username="newbie").personalization is False
    assert QUESTION not in client.get("/").content.decode()
