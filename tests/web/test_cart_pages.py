"""Adding to the cart from the product page, editing it, and taking it along at sign-in."""

import pytest
from django.test import Client
from django.urls import reverse

from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from tests.factories import PASSWORD

from .helpers import variant

pytestmark = pytest.mark.django_db


def cart_lines(user=None, client=None):
    key = client.session.session_key if client else None
    cart = checkout_selectors.cart_for(user=user, session_key=key)
    return [(line.variant_id, line.quantity) for line in cart.lines.all()] if cart else []


def add(client, product, variant_id, quantity=1, htmx=False, **extra):
    return client.post(
        reverse("web:add_to_cart", args=[product.pk]),
        {"variant_id": variant_id, "quantity": quantity, **extra},
        headers={"HX-Request": "true"} if htmx else {},
    )


def test_adding_to_cart_with_htmx_updates_the_cart_count(shopper_client, shopper, hoodie):
    large = variant(hoodie, "Large")

    response = add(shopper_client, hoodie, large.pk, quantity=2, htmx=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Added to your cart" in html
    assert 'id="cart-count"' in html and 'hx-swap-oob="true"' in html and ">2</span>" in html
    assert cart_lines(user=shopper) == [(large.pk, 2)]


def test_adding_to_cart_without_javascript_redirects_to_the_cart(shopper_client, shopper, hoodie):
    response = add(shopper_client, hoodie, variant(hoodie).pk)

    assert response.status_code == 302 and response["Location"] == reverse("web:cart")
    assert cart_lines(user=shopper) == [(variant(hoodie).pk, 1)]


def test_buy_now_adds_and_goes_to_checkout(shopper_client, shopper, hoodie):
    plain = add(shopper_client, hoodie, variant(hoodie).pk, buy_now="1")
    htmx = add(shopper_client, hoodie, variant(hoodie).pk, htmx=True, buy_now="1")

    assert plain["Location"] == reverse("web:checkout")
    assert htmx["HX-Redirect"] == reverse("web:checkout")
    assert cart_lines(user=shopper) == [(variant(hoodie).pk, 2)]


def test_anonymous_visitor_gets_a_session_cart(client, hoodie):
    add(client, hoodie, variant(hoodie).pk, quantity=3)

    page = client.get(reverse("web:cart"))

    assert cart_lines(client=client) == [(variant(hoodie).pk, 3)]
    assert "Cloud hoodie" in page.content.decode()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Quantity must be between 1 and 99."),
        ("1.5", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_a_bad_quantity_is_refused_and_changes_nothing(
    shopper_client, shopper, hoodie, quantity, message
):
    response = add(shopper_client, hoodie, variant(hoodie).pk, quantity=quantity)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert cart_lines(user=shopper) == []


def test_more_than_the_stock_is_a_conflict(shopper_client, shopper, hoodie):
    response = add(shopper_client, hoodie, variant(hoodie, "Large").pk, quantity=4, htmx=True)

    assert response.status_code == 409
    assert "Not enough stock" in response.content.decode()
    assert cart_lines(user=shopper) == []


def test_cart_is_grouped_by_shop_with_shipping_and_free_shipping_hint(
    shopper_client, shopper, product, other_product
):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=1)
    checkout_services.add_item(cart=cart, variant_id=variant(other_product).pk, quantity=1)

    html = shopper_client.get(reverse("web:cart")).content.decode()

    assert "Glow Lab" in html and "Book Nook" in html
    assert "$4.99" in html and "$3.00" in html  # each shop's shipping
    assert 'Add <span class="money">$30.00</span> more from Glow Lab for free shipping' in html
    assert "$40.49" in html  # 20.00 + 12.50 + 4.99 + 3.00


def test_cart_shows_a_line_that_has_less_stock_than_wanted(shopper_client, shopper, hoodie):
    from clipcart.catalog import services as catalog_services

    cart = checkout_services.get_or_create_cart(user=shopper)
    large = variant(hoodie, "Large")
    checkout_services.add_item(cart=cart, variant_id=large.pk, quantity=3)
    catalog_services.update_variant(shop=hoodie.shop, variant_id=large.pk, stock=2)

    html = shopper_client.get(reverse("web:cart")).content.decode()

    assert "Only 2 left" in html


def test_changing_a_quantity_with_htmx_answers_the_repriced_cart(shopper_client, shopper, product):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=1)
    line = cart.lines.get()

    response = shopper_client.post(
        reverse("web:cart_line", args=[line.pk]), {"quantity": 3}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "$60.00" in html and "<html" not in html and ">3</span>" in html
    assert cart_lines(user=shopper) == [(variant(product).pk, 3)]


@pytest.mark.parametrize("quantity", ["0", "2.5", "100", "-1"])
def test_changing_to_a_bad_quantity_is_refused(shopper_client, shopper, product, quantity):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=2)
    line = cart.lines.get()

    response = shopper_client.post(reverse("web:cart_line", args=[line.pk]), {"quantity": quantity})

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert cart_lines(user=shopper) == [(variant(product).pk, 2)]


def test_removing_a_line(shopper_client, shopper, product):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=1)

    response = shopper_client.post(reverse("web:cart_remove", args=[cart.lines.get().pk]))

    assert response.status_code == 302
    assert cart_lines(user=shopper) == []


def test_another_shoppers_cart_line_cannot_be_touched(stranger_client, shopper, product):
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=1)
    line = cart.lines.get()

    changed = stranger_client.post(reverse("web:cart_line", args=[line.pk]), {"quantity": 5})
    removed = stranger_client.post(reverse("web:cart_remove", args=[line.pk]))

    assert changed.status_code == 404 and removed.status_code == 404
    assert cart_lines(user=shopper) == [(variant(product).pk, 1)]


def test_anonymous_cart_merges_into_the_users_cart_at_login(shopper, hoodie, product):
    existing = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=existing, variant_id=variant(product).pk, quantity=1)
    client = Client()
    add(client, hoodie, variant(hoodie).pk, quantity=2)
    add(client, product, variant(product).pk, quantity=1)

    response = client.post(reverse("web:login"), {"username": "shopper", "password": PASSWORD})

    assert response.status_code == 302
    assert sorted(cart_lines(user=shopper)) == sorted(
        [(variant(product).pk, 2), (variant(hoodie).pk, 2)]
    )
    assert ">4</span>" in client.get("/").content.decode()  # the header's count
