"""The seller's Fulfillment page and the shopper's product page promises."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from clipcart.catalog.models import Shop
from clipcart.fulfillment.models import ShipDay, ShopVacation, WaitlistEntry

from ..factories import PASSWORD, make_product

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC"))
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def test_the_fulfillment_page_shows_ship_days_and_saves_capacity(seller, shop):
    client = _client(seller)
    url = reverse("web:seller_fulfillment", args=[shop.pk])

    page = client.get(url)
    saved = client.post(
        url,
        {
            "time_zone": "Europe/Berlin",
            "country": "DE",
            "handling_days": "1",
            "daily_capacity": "30",
            "backlog_limit_days": "3",
            "past_limit": "preorder",
        },
    )

    assert page.status_code == 200 and "Ship days" in page.content.decode()
    assert saved.status_code == 302
    shop.refresh_from_db()
    assert (shop.time_zone, shop.daily_capacity, shop.past_limit) == (
        "Europe/Berlin",
        30,
        "preorder",
    )


def test_a_capacity_of_zero_is_shown_on_its_field_and_saves_nothing(seller, shop):
    response = _client(seller).post(
        reverse("web:seller_fulfillment", args=[shop.pk]),
        {
            "time_zone": "UTC",
            "handling_days": "2",
            "daily_capacity": "0",
            "backlog_limit_days": "3",
            "past_limit": "waitlist",
        },
    )

    assert response.status_code == 422 and "Daily capacity" in response.content.decode()
    shop.refresh_from_db()
    assert shop.daily_capacity is None


def test_another_sellers_fulfillment_page_is_not_found(seller, other_shop):
    response = _client(seller).get(reverse("web:seller_fulfillment", args=[other_shop.pk]))

    assert response.status_code == 404


def test_vacations_are_added_and_removed_from_the_page(seller, shop):
    client = _client(seller)

    client.post(
        reverse("web:seller_vacation_add", args=[shop.pk]),
        {"start": "2026-03-09", "end": "2026-03-10", "note": "Fair"},
    )
    vacation = ShopVacation.objects.get(shop=shop)
    client.post(reverse("web:seller_vacation_remove", args=[shop.pk, vacation.pk]))

    assert not ShopVacation.objects.exists()


def test_a_vacation_ending_before_it_starts_is_a_form_error(seller, shop):
    response = _client(seller).post(
        reverse("web:seller_vacation_add", args=[shop.pk]),
        {"start": "2026-03-10", "end": "2026-03-09"},
    )

    assert response.status_code == 422 and not ShopVacation.objects.exists()


def test_the_product_page_shows_the_date_a_busy_shop_can_keep(client, shop, product):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=1)
    ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=1, capacity=1)

    html = client.get(reverse("web:product", args=[product.pk])).content.decode()

    assert "Thursday, March 5" in html and "This shop is busy" in html


def test_a_booked_up_shop_shows_a_waitlist_that_shoppers_join(shopper, shop, product):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=1, backlog_limit_days=0)
    ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=1, capacity=1)
    client = _client(shopper)

    html = client.get(reverse("web:product", args=[product.pk])).content.decode()
    client.post(reverse("web:product_waitlist", args=[product.pk]), {"action": "join"})

    assert "is booked up" in html and "Add to cart" not in html
    assert WaitlistEntry.objects.filter(user=shopper, product=product).exists()


def test_an_anonymous_shopper_is_asked_to_sign_in_to_join(client, shop):
    product = make_product(shop=shop, stock=0)

    html = client.get(reverse("web:product", args=[product.pk])).content.decode()
    joined = client.post(reverse("web:product_waitlist", args=[product.pk]))

    assert "Sign in to join the waitlist" in html
    assert joined.status_code == 302 and "login" in joined["Location"]


def test_a_preorder_is_labelled_before_payment(client, shop):
    product = make_product(shop=shop, handling_kind="preorder", ships_on="2026-03-20")

    html = client.get(reverse("web:product", args=[product.pk])).content.decode()

    assert "Pre-order" in html and "Friday, March 20" in html


def test_web_checkout_refuses_a_date_later_than_the_page_showed(shopper, shop, product):
    from clipcart.checkout import services as checkout_services
    from clipcart.orders.models import Order

    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=product.variants.get().pk, quantity=1)
    client = _client(shopper)
    page = client.get(reverse("web:checkout")).content.decode()
    assert f'name="ships_by_{shop.pk}" value="2026-03-04"' in page

    response = client.post(
        reverse("web:checkout"),
        {
            "idempotency_key": "k-1",
            f"ships_by_{shop.pk}": "2026-03-03",  # earlier than the shop can keep now
            "name": "Sam",
            "line1": "1 Main St",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
            "token": "tok_visa",
        },
    )

    assert response.status_code == 409 and not Order.objects.filter(buyer=shopper).exists()


def test_the_seller_dashboard_shows_the_late_dispatch_rate(seller, shop):
    html = _client(seller).get(reverse("web:seller_dashboard", args=[shop.pk])).content.decode()

    assert "Late dispatch, 30 days (0 of 0)" in html
