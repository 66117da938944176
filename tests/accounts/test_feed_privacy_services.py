"""Feed privacy rules of the accounts service: the personalization choice, the date of birth
(set once, 13 or older, no profiling under 18) and the region."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import override_settings

from clipcart.accounts import selectors, services
from clipcart.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

TODAY = date(2026, 6, 15)


def on(day: date):
    """Travel to noon UTC of `day`: the service's "today" (the instance runs on UTC)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


def reloaded(user):
    return User.objects.get(pk=user.pk)


# --- Personalization ---------------------------------------------------------------------------


def test_a_new_account_has_not_answered_and_is_not_personalized(shopper):
    privacy = selectors.feed_privacy(shopper)

    assert (privacy.asked, privacy.personalized, privacy.minor) == (False, False, False)


def test_turning_personalization_on_stores_the_answer_and_when(shopper):
    with on(TODAY):
        services.set_personalization(user=shopper, enabled=True)

    stored = reloaded(shopper)
    assert stored.personalization is True
    assert stored.personalization_answered_at == datetime(2026, 6, 15, 12, tzinfo=UTC)
    assert selectors.feed_privacy(stored).personalized is True


def test_turning_personalization_off_is_an_answer_too(shopper):
    services.set_personalization(user=shopper, enabled=True)
    services.set_personalization(user=shopper, enabled=False)

    privacy = selectors.feed_privacy(reloaded(shopper))
    assert (privacy.asked, privacy.personalized) == (True, False)


def test_an_account_without_a_birth_date_counts_as_an_adult(shopper):
    assert shopper.birth_date is None

    services.set_personalization(user=shopper, enabled=True)

    assert selectors.feed_privacy(reloaded(shopper)).personalized is True


def test_a_minor_cannot_turn_personalization_on():
    teen = UserFactory(birth_date=date(2010, 1, 1))

    with on(TODAY), pytest.raises(PermissionDenied) as refused:
        services.set_personalization(user=teen, enabled=True)

    assert (refused.value.code, refused.value.status) == ("minor_not_personalized", 403)
    assert refused.value.field == "personalization"
    assert reloaded(teen).personalization is None


def test_a_minor_may_say_no():
    teen = UserFactory(birth_date=date(2010, 1, 1))

    with on(TODAY):
        services.set_personalization(user=teen, enabled=False)
        privacy = selectors.feed_privacy(reloaded(teen))

    assert (privacy.asked, privacy.personalized, privacy.minor) == (True, False, True)


def test_a_yes_stored_before_a_minors_birth_date_never_personalizes_their_feed(shopper):
    services.set_personalization(user=shopper, enabled=True)
    with on(TODAY):
        services.set_birth_date(user=shopper, birth_date=date(2012, 3, 3))
        privacy = selectors.feed_privacy(reloaded(shopper))

    assert (privacy.minor, privacy.personalized) == (True, False)


def test_one_day_before_their_18th_birthday_an_account_is_still_a_minor():
    almost = UserFactory(birth_date=date(2008, 6, 16))  # 17 years and 364 days on TODAY

    with on(TODAY):
        assert selectors.is_minor(almost)
        with pytest.raises(PermissionDenied):
            services.set_personalization(user=almost, enabled=True)


def test_on_their_18th_birthday_an_account_may_turn_personalization_on():
    adult = UserFactory(birth_date=date(2008, 6, 15))

    with on(TODAY):
        services.set_personalization(user=adult, enabled=True)
        privacy = selectors.feed_privacy(reloaded(adult))

    assert (privacy.minor, privacy.personalized) == (False, True)


@pytest.mark.parametrize(
    ("today", "minor"),
    [(date(2026, 2, 28), True), (date(2026, 3, 1), False), (date(2028, 2, 29), False)],
)
def test_someone_born_on_a_leap_day_comes_of_age_on_the_first_of_march(today, minor):
    leapling = UserFactory(birth_date=date(2008, 2, 29))

    with on(today):
        assert selectors.is_minor(leapling) is minor


# --- Date of birth -----------------------------------------------------------------------------


def test_a_date_of_birth_is_stored(shopper):
    with on(TODAY):
        services.set_birth_date(user=shopper, birth_date=date(1990, 4, 2))

    assert reloaded(shopper).birth_date == date(1990, 4, 2)


def test_a_date_of_birth_is_locked_once_set(shopper):
    with on(TODAY):
        services.set_birth_date(user=shopper, birth_date=date(2010, 4, 2))
        with pytest.raises(Conflict) as locked:
            services.set_birth_date(user=shopper, birth_date=date(1990, 4, 2))

    assert (locked.value.code, locked.value.status) == ("birth_date_locked", 409)
    assert reloaded(shopper).birth_date == date(2010, 4, 2)


def test_the_lock_holds_for_a_stale_copy_of_the_account(shopper):
    stale = reloaded(shopper)
    with on(TODAY):
        services.set_birth_date(user=shopper, birth_date=date(2010, 4, 2))
        with pytest.raises(Conflict):
            services.set_birth_date(user=stale, birth_date=date(1990, 4, 2))

    assert reloaded(shopper).birth_date == date(2010, 4, 2)


@pytest.mark.parametrize(
    ("birth_date", "code"),
    [
        (date(2026, 6, 16), "invalid_birth_date"),  # tomorrow
        (date(1906, 6, 14), "invalid_birth_date"),  # 120 years and a day ago
        (date(2013, 6, 16), "too_young"),  # 13 tomorrow
        (date(2026, 6, 15), "too_young"),  # born today
    ],
)
def test_an_impossible_or_too_young_birth_date_is_refused(shopper, birth_date, code):
    with on(TODAY), pytest.raises(InvalidInput) as refused:
        services.set_birth_date(user=shopper, birth_date=birth_date)

    assert (refused.value.code, refused.value.field, refused.value.status) == (
        code,
        "birth_date",
        422,
    )
    assert reloaded(shopper).birth_date is None


@pytest.mark.parametrize("birth_date", [date(2013, 6, 15), date(1906, 6, 15)])
def test_the_13th_birthday_and_120_years_ago_are_accepted(shopper, birth_date):
    with on(TODAY):
        services.set_birth_date(user=shopper, birth_date=birth_date)

    assert reloaded(shopper).birth_date == birth_date


def test_120_years_before_a_leap_day_is_the_28th_of_february(shopper):
    with on(date(2020, 2, 29)):
        services.set_birth_date(user=shopper, birth_date=date(1900, 2, 28))

    assert reloaded(shopper).birth_date == date(1900, 2, 28)


# --- Region --------------------------------------------------------------------------------------


def test_a_region_is_stored_in_capitals_and_used_by_the_feed(shopper):
    services.set_region(user=shopper, region=" de ")

    assert reloaded(shopper).region == "DE"
    assert selectors.feed_privacy(reloaded(shopper)).region == "DE"


@pytest.mark.parametrize("region", ["ZZ", "USA", "U", "1A", "uk"])
def test_a_region_that_is_not_a_country_code_is_refused(shopper, region):
    with pytest.raises(InvalidInput) as refused:
        services.set_region(user=shopper, region=region)

    assert (refused.value.code, refused.value.field) == ("unknown_region", "region")
    assert reloaded(shopper).region == ""


@override_settings(CLIPCART_REGION="CA")
def test_an_empty_region_goes_back_to_the_instance_default(shopper):
    services.set_region(user=shopper, region="FR")
    services.set_region(user=shopper, region="")

    assert selectors.feed_privacy(reloaded(shopper)).region == "CA"


def test_regions_come_with_their_names_from_the_maintained_list():
    names = dict(selectors.region_choices())

    assert names["US"] == "United States of America"
    assert names["DE"] == "Germany"
    assert names["AX"] == "Åland Islands"
    assert len(names) > 240
    assert selectors.region_name("ZZ") == "ZZ"


def test_region_choices_are_in_the_order_a_reader_looks_for_them():
    names = [name for _, name in selectors.region_choices()]

    assert names.index("Åland Islands") < names.index("Albania")


# --- Several changes at once -------------------------------------------------------------------


def test_changes_are_applied_together(shopper):
    with on(TODAY):
        services.update_feed_privacy(
            user=shopper, birth_date=date(1990, 1, 1), region="fr", personalization=True
        )

    stored = reloaded(shopper)
    assert (stored.birth_date, stored.region, stored.personalization) == (
        date(1990, 1, 1),
        "FR",
        True,
    )


def test_a_minors_birth_date_sent_with_a_yes_is_refused_whole(shopper):
    with on(TODAY), pytest.raises(PermissionDenied):
        services.update_feed_privacy(
            user=shopper, birth_date=date(2011, 1, 1), region="FR", personalization=True
        )

    stored = reloaded(shopper)
    assert (stored.birth_date, stored.region, stored.personalization) == (None, "", None)
    assert (shopper.birth_date, shopper.region) == (None, "")


# --- Registration ------------------------------------------------------------------------------


def test_registration_keeps_a_date_of_birth():
    with on(TODAY):
        user = services.register_user(
            username="ada", email="ada@example.com", password=PASSWORD, birth_date=date(2000, 1, 2)
        )

    assert reloaded(user).birth_date == date(2000, 1, 2)


def test_registration_under_13_is_refused_and_makes_no_account():
    with on(TODAY), pytest.raises(InvalidInput) as refused:
        services.register_user(
            username="kid", email="kid@example.com", password=PASSWORD, birth_date=date(2015, 1, 1)
        )

    assert refused.value.code == "too_young"
    assert not User.objects.filter(username="kid").exists()


def test_registration_keeps_an_answer_given_before_signing_up():
    user = services.register_user(
        username="ada", email="ada@example.com", password=PASSWORD, personalization=False
    )

    privacy = selectors.feed_privacy(reloaded(user))
    assert (privacy.asked, privacy.personalized) == (True, False)


def test_a_minor_signing_up_does_not_keep_a_yes():
    with on(TODAY):
        user = services.register_user(
            username="teen",
            email="teen@example.com",
            password=PASSWORD,
            birth_date=date(2010, 1, 1),
            personalization=True,
        )

    assert reloaded(user).personalization is None
