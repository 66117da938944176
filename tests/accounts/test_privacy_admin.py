"""Operators see an account's feed privacy in the admin and may correct a birth date or region
(with the settings page's checks); the personalization choice stays the person's own."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.forms import modelform_factory
from django.test import Client

from clipcart.accounts.admin import UserChangeForm
from clipcart.accounts.models import User

pytestmark = pytest.mark.django_db
FeedPrivacyForm = modelform_factory(User, form=UserChangeForm, fields=["birth_date", "region"])


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_the_user_admin_shows_feed_privacy_with_the_choice_read_only(operator_client, shopper):
    shopper.personalization = True
    shopper.save()

    response = operator_client.get(f"/admin/accounts/user/{shopper.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Feed privacy" in page
    assert 'name="birth_date"' in page and 'name="region"' in page
    assert 'name="personalization"' not in page  # shown, not editable


def test_an_operator_may_correct_a_locked_birth_date_and_set_a_region(shopper):
    shopper.birth_date = date(2012, 1, 1)
    shopper.save()

    with time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False):
        form = FeedPrivacyForm({"birth_date": "1992-01-01", "region": "de"}, instance=shopper)
        assert form.is_valid(), form.errors
        form.save()

    shopper.refresh_from_db()
    assert (shopper.birth_date, shopper.region) == (date(1992, 1, 1), "DE")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"birth_date": "2030-01-01", "region": ""}, "birth_date"),
        ({"birth_date": "", "region": "ZZ"}, "region"),
    ],
)
def test_the_admin_refuses_what_the_settings_page_refuses(shopper, data, field):
    with time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False):
        form = FeedPrivacyForm(data, instance=shopper)

        assert not form.is_valid()
    assert list(form.errors) == [field]
