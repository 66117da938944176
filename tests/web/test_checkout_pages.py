"""Checkout through the page: one order per shop, declines, and double submits."""

import pytest
from django.urls import reverse

from clipcart.checkout import services as checkout_services
from clipcart.inventory.selectors import available_quantity
from clipcart.orders.models import Order
from clipcart.payments.models import Payment

from .helpers import checkout_form, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_cart(shopper, product, other_product):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=2)
    checkout_services.add_item(cart=cart, variant_id=variant(other_product).pk, quantity=1)
    return cart


def test_checkout_page_shows_the_form_with_a_fresh_idempotency_key(shopper_client, full_cart):
    first = shopper_client.get(reverse("web:checkout"))
    second = shopper_client.get(reverse("web:checkout"))

    html = first.content.decode()
    assert first.status_code == 200
    assert "Test card (succeeds)" in html and "Test card (declined)" in html
    assert 'value="tok_visa"' in html and "checked" in html
    assert first.context["idempotency_key"] != second.context["idempotency_key"]
    assert 'name="idempotency_key"' in html


def test_checkout_of_an_empty_cart_goes_back_to_the_cart(shopper_client, shopper):
    response = shopper_client.get(reverse("web:checkout"))

    assert response.status_code == 302 and response["Location"] == reverse("web:cart")


def test_checkout_makes_one_paid_order_per_shop(shopper_client, shopper, full_cart, product):
    response = shopper_client.post(reverse("web:checkout"), checkout_form())

    orders = Order.objects.filter(buyer=shopper).order_by("id")
    assert response.status_code == 302
    assert [o.status for o in orders] == ["paid", "paid"]
    assert {o.shop.name for o in orders} == {"Glow Lab", "Book Nook"}
    assert available_quantity(variant(product).pk) == 8

    done = shopper_client.get(response["Location"])
    html = done.content.decode()
    assert done.status_code == 200
    assert "Thank you" in html
    assert all(f"Order #{o.pk}" in html for o in orders)
    assert "$3.00" not in shopper_client.get(reverse("web:cart")).content.decode()  # cart emptied


def test_declined_card_shows_the_error_makes_no_order_and_returns_the_stock(
    shopper_client, shopper, full_cart, product
):
    response = shopper_client.post(reverse("web:checkout"), checkout_form("tok_chargeDeclined"))

    assert response.status_code == 402
    assert "declined" in response.content.decode().lower()
    assert not Order.objects.exists()
    assert available_quantity(variant(product).pk) == 10
    assert full_cart.lines.count() == 2  # the cart is kept for another try


def test_retry_after_a_decline_gets_a_new_key_and_succeeds(shopper_client, shopper, full_cart):
    declined = shopper_client.post(reverse("web:checkout"), checkout_form("tok_chargeDeclined"))
    new_key = declined.context["idempotency_key"]

    retried = shopper_client.post(reverse("web:checkout"), checkout_form("tok_visa", key=new_key))

    assert retried.status_code == 302
    assert Order.objects.filter(buyer=shopper, status="paid").count() == 2


def test_double_submit_with_the_same_key_makes_one_set_of_orders(
    shopper_client, shopper, full_cart
):
    body = checkout_form(key="page-key-1")

    first = shopper_client.post(reverse("web:checkout"), body)
    second = shopper_client.post(reverse("web:checkout"), body)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.filter(buyer=shopper).count() == 2
    assert Payment.objects.count() == 1


def test_an_address_error_is_shown_next_to_its_field(shopper_client, shopper, full_cart):
    response = shopper_client.post(reverse("web:checkout"), checkout_form(country="USA"))

    assert response.status_code == 422
    assert response.context["form"].errors["country"]
    assert not Order.objects.exists()


def test_a_missing_address_field_is_a_form_error(shopper_client, shopper, full_cart):
    response = shopper_client.post(reverse("web:checkout"), checkout_form(city=""))

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Order.objects.exists()


def test_anonymous_checkout_goes_through_login_and_keeps_the_cart(client, shopper, product):
    from tests.factories import PASSWORD

    client.post(
        reverse("web:add_to_cart", args=[product.pk]),
        {"variant_id": variant(product).pk, "quantity": 1},
    )
    to_login = client.get(reverse("web:checkout"))
    signed_in = client.post(
        to_login["Location"], {"username": "shopper", "password": PASSWORD, "next": "/checkout/"}
    )

    assert to_login["Location"] == "/login/?next=/checkout/"
    assert signed_in["Location"] == "/checkout/"
    assert "Glow serum" in client.get("/checkout/").content.decode()
