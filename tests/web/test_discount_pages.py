"""Discount codes on the pages: the cart's code field (with and without htmx), the discount on
the checkout and order pages, and the seller's codes page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clipcart.checkout import services as checkout_services
from clipcart.checkout.models import DiscountCode
from clipcart.checkout.selectors import cart_for, quote_cart
from tests.factories import PASSWORD

from .helpers import checkout_form, variant

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def code(seller, shop):
    return checkout_services.create_discount_code(
        user=seller, shop_id=shop.pk, code="GLOW20", kind="percent", value="20"
    )


@pytest.fixture
def carted(shopper, product):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=2)
    return cart


def apply(client, code: str, htmx: bool = False):
    return client.post(
        reverse("web:cart_discount_apply"), {"code": code}, headers=HTMX if htmx else {}
    )


def text(response) -> str:
    return response.content.decode()


# --- Cart ---------------------------------------------------------------------------------------


def test_the_cart_has_a_code_field_that_works_without_javascript(shopper_client, carted, code):
    page = text(shopper_client.get(reverse("web:cart")))
    assert 'name="code"' in page and reverse("web:cart_discount_apply") in page

    response = apply(shopper_client, "glow20")

    assert response.status_code == 302 and response["Location"] == reverse("web:cart")
    page = text(shopper_client.get(reverse("web:cart")))
    assert "GLOW20" in page and "−<span" in page and "$8.00" in page
    assert "$36.99" in page  # 40.00 − 8.00 + 4.99: free shipping starts at 50.00


def test_applying_a_code_with_htmx_answers_the_repriced_cart(shopper_client, carted, code):
    response = apply(shopper_client, "GLOW20", htmx=True)

    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html and "Code <strong>GLOW20</strong>" in html and "$8.00" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unknown_code_is_shown_next_to_the_field(shopper_client, carted, htmx):
    response = apply(shopper_client, "NOPE", htmx=htmx)

    assert response.status_code == 404
    assert "There is no code NOPE for the items in your cart." in text(response)
    assert 'value="NOPE"' in text(response)  # what was typed stays in the field


def test_a_code_that_stopped_applying_shows_the_reason(shopper_client, carted, code):
    apply(shopper_client, "GLOW20")
    DiscountCode.objects.filter(pk=code.pk).update(is_active=False)

    page = text(shopper_client.get(reverse("web:cart")))

    assert "Code GLOW20 is not applied: This code is no longer active." in page
    assert "$44.99" in page


def test_a_code_can_be_removed_from_the_cart(shopper_client, carted, code):
    apply(shopper_client, "GLOW20")

    response = shopper_client.post(reverse("web:cart_discount_remove", args=["GLOW20"]))

    assert response.status_code == 302
    assert "GLOW20" not in text(shopper_client.get(reverse("web:cart")))


def test_an_anonymous_visitor_can_apply_a_code(client, product, code):
    client.post(
        reverse("web:add_to_cart", args=[product.pk]),
        {"variant_id": variant(product).pk, "quantity": 1},
    )

    apply(client, "GLOW20")

    assert "Code <strong>GLOW20</strong>" in text(client.get(reverse("web:cart")))


def test_a_code_on_an_empty_cart_is_not_found(shopper_client, code):
    assert apply(shopper_client, "GLOW20").status_code == 404


# --- Checkout and orders ------------------------------------------------------------------------


def test_checkout_and_the_order_show_the_discount(shopper_client, shopper, carted, code):
    apply(shopper_client, "GLOW20")

    page = text(shopper_client.get(reverse("web:checkout")))
    assert "Code <strong>GLOW20</strong>" in page and "Discounts" in page and "$36.99" in page

    done = shopper_client.post(reverse("web:checkout"), checkout_form())
    assert done.status_code == 302
    complete = text(shopper_client.get(done["Location"]))
    assert "Discount −" in complete and "$8.00" in complete and "$36.99" in complete
    orders = text(shopper_client.get(reverse("web:orders")))
    assert "Discount −" in orders
    assert shopper.orders.get().discount == Decimal("8.00")


def test_checkout_with_a_code_that_stopped_applying_says_why_and_charges_nothing(
    shopper_client, shopper, carted, code
):
    apply(shopper_client, "GLOW20")
    DiscountCode.objects.filter(pk=code.pk).update(is_active=False)

    page = text(shopper_client.get(reverse("web:checkout")))
    response = shopper_client.post(reverse("web:checkout"), checkout_form())

    assert "Code GLOW20 is not applied" in page
    assert response.status_code == 409
    assert "Your code GLOW20 no longer applies" in text(response)
    assert not shopper.orders.exists()


# --- Seller -------------------------------------------------------------------------------------


def codes_page(shop) -> str:
    return reverse("web:seller_discounts", args=[shop.pk])


def test_the_seller_creates_a_code_from_the_codes_page(seller_client, shop):
    assert seller_client.get(codes_page(shop)).status_code == 200

    response = seller_client.post(
        codes_page(shop),
        {"code": "spring", "kind": "amount", "value": "5", "max_uses": "10", "ends_at": ""},
    )

    assert response.status_code == 302
    page = text(seller_client.get(codes_page(shop)))
    assert "SPRING is live." in page and "<code>SPRING</code>" in page
    assert "$5.00</span> off" in page and "Used 0 of 10 times" in page and "Active" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "A percent off is from 1 to 90."), ("abc", "The percent must be a number")],
)
def test_a_bad_code_is_shown_on_the_form(seller_client, shop, value, message):
    response = seller_client.post(
        codes_page(shop), {"code": "SPRING", "kind": "percent", "value": value}
    )

    assert response.status_code == 422
    assert message in text(response)
    assert not DiscountCode.objects.exists()


def test_the_seller_switches_a_code_off_and_on(seller_client, shop, code):
    url = reverse("web:seller_discount_active", args=[shop.pk, code.pk])

    off = seller_client.post(url, {"is_active": "0"})
    code.refresh_from_db()
    assert off.status_code == 302 and not code.is_active
    assert "Off" in text(seller_client.get(codes_page(shop)))

    row = seller_client.post(url, {"is_active": "1"}, headers=HTMX)
    code.refresh_from_db()
    assert row.status_code == 200 and code.is_active
    assert f'id="discount-{code.pk}"' in text(row) and "Turn off" in text(row)


def test_another_seller_cannot_open_or_change_a_shops_codes(
    client, stranger_client, other_seller, shop, code
):
    client.force_login(other_seller)

    assert client.get(codes_page(shop)).status_code == 403
    toggle = reverse("web:seller_discount_active", args=[shop.pk, code.pk])
    assert client.post(toggle, {"is_active": "0"}).status_code == 403
    assert stranger_client.get(codes_page(shop)).status_code == 403
    code.refresh_from_db()
    assert code.is_active


def test_the_codes_page_asks_visitors_to_sign_in(client, shop):
    response = client.get(codes_page(shop))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_code_applied_before_signing_in_is_kept(client, shopper, product, code):
    client.post(
        reverse("web:add_to_cart", args=[product.pk]),
        {"variant_id": variant(product).pk, "quantity": 1},
    )
    apply(client, "GLOW20")

    client.post(reverse("web:login"), {"username": "shopper", "password": PASSWORD})

    assert [d.code.code for d in quote_cart(cart_for(user=shopper)).discounts] == ["GLOW20"]
