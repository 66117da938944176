"""A new visitor buys a hoodie from a phone; the seller ships it from the seller center."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clipcart.orders.models import Order
from tests.conftest import ADDRESS
from tests.factories import PASSWORD, UserFactory, buy, make_product, make_shop

from .conftest import screenshot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def hoodie(transactional_db):
    seller = UserFactory(username="maya")
    shop = make_shop(owner=seller, name="Glow Lab", free_shipping_threshold="50.00")
    make_product(shop=shop, title="Lip oil", price="9.00", stock=5)
    return make_product(
        shop=shop,
        title="Cloud hoodie",
        description="Soft, oversized, warm.",
        price="40.00",
        variants=[
            {"name": "Small", "sku": "HOOD-S", "price": "40.00", "stock": 20},
            {"name": "Large", "sku": "HOOD-L", "price": "44.00", "stock": 3},
        ],
    )


@pytest.fixture
def paid_order(hoodie):
    large = hoodie.variants.get(name="Large")
    (order,) = buy(UserFactory(username="sam"), [large.pk])
    return Order.objects.get(pk=order["id"])


def test_new_visitor_registers_searches_and_buys_a_hoodie(phone_page, hoodie):
    page = phone_page
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("newshopper")
    page.get_by_label("Email").fill("newshopper@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Date of birth").fill("2000-01-01")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome to Clipcart, newshopper!")).to_be_visible()

    page.get_by_label("Search products").fill("hoodie")
    page.get_by_label("Search products").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Results for"))).to_be_visible()
    expect(page.get_by_text("Lip oil")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Cloud hoodie")).click()

    expect(page.get_by_text("Ships by")).to_be_visible()
    expect(page.get_by_text("Only 3 left")).to_be_visible()
    page.get_by_role("radio", name=re.compile("Large")).check()
    expect(page.locator("#product-price")).to_have_text("$44.00")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.locator("#cart-count")).to_contain_text("1")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_role("link", name="Cloud hoodie")).to_be_visible()
    expect(page.get_by_text("Add $6.00 more from Glow Lab for free shipping.")).to_be_visible()
    page.get_by_role("link", name="Check out").click()

    page.get_by_label("Full name").fill(ADDRESS["name"])
    page.get_by_label("Address", exact=True).fill(ADDRESS["line1"])
    page.get_by_label("City").fill(ADDRESS["city"])
    page.get_by_label("Postal code").fill(ADDRESS["postal_code"])
    expect(page.get_by_label("Test card (succeeds)")).to_be_checked()
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_role("heading", name="Thank you, your order is placed")).to_be_visible()
    expect(page.get_by_text("Glow Lab").first).to_be_visible()
    screenshot(page, "buy-as-new-shopper-confirmation")
    orders = Order.objects.filter(buyer__username="newshopper")
    assert [(o.status, str(o.total)) for o in orders] == [("paid", "48.99")]
    assert orders[0].lines.get().variant_name == "Large"


def test_seller_ships_the_order_from_the_seller_center(desktop_page, paid_order):
    page = desktop_page
    page.goto("/seller/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Glow Lab").click()
    expect(page.get_by_text("Your shop is in probation.")).to_be_visible()
    page.get_by_role("link", name="Orders", exact=True).click()

    row = page.locator(f"#order-{paid_order.pk}")
    expect(row.get_by_text("Paid", exact=True)).to_be_visible()
    row.get_by_label("Carrier").fill("UPS")
    row.get_by_label("Tracking number").fill("1Z999AA10123456784")
    row.get_by_role("button", name="Mark shipped").click()

    row = page.locator(f"#order-{paid_order.pk}")
    expect(row.get_by_text("Shipped", exact=True)).to_be_visible()
    expect(row.get_by_text("1Z999AA10123456784")).to_be_visible()
    screenshot(page, "seller-ships-order")
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.carrier) == ("shipped", "UPS")
