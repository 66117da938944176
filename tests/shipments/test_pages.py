"""The seller's ship form and shipment list, the order list's badges, and the buyer's view."""

import pytest
from django.test import Client
from django.urls import reverse

from clipcart.orders import carriers, services
from clipcart.orders.models import Order, Shipment

from .helpers import FEDEX, UPS, lines_of, two_line_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, shop, product):
    return two_line_order(shopper, shop, product)


@pytest.fixture
def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller)
    return client


@pytest.fixture
def shopper_client(shopper) -> Client:
    client = Client()
    client.force_login(shopper)
    return client


def ship_url(order) -> str:
    return reverse("web:seller_ship", args=[order.shop_id, order.pk])


def test_the_ship_panel_lists_items_left_and_every_carrier(seller_client, order):
    html = seller_client.get(ship_url(order), headers={"HX-Request": "true"}).content.decode()
    serum, mask = lines_of(order)
    assert f'name="qty_{serum}"' in html and f'name="qty_{mask}"' in html
    assert "3 of 3 left to ship" in html
    for slug, name in carriers.choices():
        assert f'<option value="{slug}"' in html and name in html


def test_the_order_page_fetches_the_panel_or_links_to_it(seller_client, order):
    page = seller_client.get(reverse("web:seller_order", args=[order.shop_id, order.pk]))
    html = page.content.decode()
    assert f'hx-get="{ship_url(order)}"' in html or 'id="ship-panel"' in html
    assert "Nothing shipped yet" in html


def test_the_seller_ships_some_items_from_the_page(seller_client, order):
    serum, mask = lines_of(order)
    answer = seller_client.post(
        ship_url(order),
        {
            "carrier": "usps",
            "tracking_number": "9400 1118 9922 3856 9284 99",
            f"qty_{serum}": "2",
            f"qty_{mask}": "0",
        },
    )
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.partly_shipped and order.carrier == "USPS"
    page = seller_client.get(ship_url(order)).content.decode()
    assert "9400111899223856928499" in page and "Partly shipped" in page
    assert "0 of 2 left to ship" in page and "Ship more items" in page


def test_an_other_carrier_needs_its_name(seller_client, order):
    answer = seller_client.post(
        ship_url(order), {"carrier": "other", "carrier_name": "", "tracking_number": "AB-1234"}
    )
    assert answer.status_code == 422
    assert "Name the carrier" in answer.content.decode()
    named = seller_client.post(
        ship_url(order),
        {"carrier": "other", "carrier_name": "Bike Post", "tracking_number": "AB-1234"},
    )
    assert named.status_code == 302
    assert Shipment.objects.get().carrier_name == "Bike Post"


def test_a_wrong_format_shows_the_carriers_format_on_the_page(seller_client, order):
    answer = seller_client.post(ship_url(order), {"carrier": "fedex", "tracking_number": "123"})
    assert answer.status_code == 422
    assert "12, 15 or 20 digits for FedEx" in answer.content.decode()
    assert not Shipment.objects.exists()


def test_more_than_is_left_is_refused_on_the_page(seller_client, order):
    serum, mask = lines_of(order)
    answer = seller_client.post(
        ship_url(order),
        {"carrier": "ups", "tracking_number": UPS, f"qty_{serum}": "5", f"qty_{mask}": "0"},
    )
    assert answer.status_code == 409
    assert "Only 2 of 2" in answer.content.decode()
    assert not Shipment.objects.exists()


def test_choosing_no_items_is_refused(seller_client, order):
    serum, mask = lines_of(order)
    answer = seller_client.post(
        ship_url(order),
        {"carrier": "ups", "tracking_number": UPS, f"qty_{serum}": "0", f"qty_{mask}": "0"},
    )
    assert answer.status_code == 422
    assert "Choose at least one item" in answer.content.decode()


def test_the_quick_row_form_ships_everything_left(seller_client, order):
    answer = seller_client.post(
        ship_url(order),
        {"carrier": "UPS", "tracking_number": UPS},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and UPS in html and "Shipped" in html
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert 'hx-swap-oob="true"' in html


def test_another_sellers_shop_is_refused(other_seller, order, other_shop):
    client = Client()
    client.force_login(other_seller)
    theirs = client.post(ship_url(order), {"carrier": "UPS", "tracking_number": UPS})
    through_own = client.post(
        reverse("web:seller_ship", args=[other_shop.pk, order.pk]),
        {"carrier": "UPS", "tracking_number": UPS},
    )
    assert (theirs.status_code, through_own.status_code) == (403, 404)
    assert not Shipment.objects.exists()


def test_the_order_list_shows_partly_shipped_and_late_badges(seller_client, seller, order):
    serum, _ = lines_of(order)
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number=UPS,
        lines=[{"line_id": serum, "quantity": 1}],
        actor=seller,
    )
    Order.objects.filter(pk=order.pk).update(late_at="2026-01-01T00:00:00Z")
    html = seller_client.get(reverse("web:seller_orders", args=[order.shop_id])).content.decode()
    assert "Partly shipped" in html and ">Late<" in html and "Ship the rest" in html


def test_the_seller_sees_each_parcel_with_its_status(seller_client, seller, order):
    serum, mask = lines_of(order)
    for number, carrier, line, quantity in ((UPS, "UPS", serum, 2), (FEDEX, "FedEx", mask, 3)):
        services.ship_order(
            shop_id=order.shop_id,
            order_id=order.pk,
            carrier=carrier,
            tracking_number=number,
            lines=[{"line_id": line, "quantity": quantity}],
            actor=seller,
        )
    html = seller_client.get(
        reverse("web:seller_order", args=[order.shop_id, order.pk])
    ).content.decode()
    assert UPS in html and FEDEX in html and "3 × Clay mask" in html
    assert "ship-panel" not in html  # nothing left to ship


def test_the_buyer_sees_parcels_and_confirms_receipt(shopper_client, seller, order):
    serum, _ = lines_of(order)
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number=UPS,
        lines=[{"line_id": serum, "quantity": 2}],
        actor=seller,
    )
    page = shopper_client.get(reverse("web:order", args=[order.pk])).content.decode()
    assert UPS in page and "Partly shipped" in page and "Cancel order" not in page
    assert "I received it" not in page  # the masks have not shipped
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="FedEx",
        tracking_number=FEDEX,
        actor=seller,
    )
    page = shopper_client.get(reverse("web:order", args=[order.pk])).content.decode()
    assert "Have all your parcels arrived?" in page and FEDEX in page
    assert shopper_client.post(reverse("web:order_received", args=[order.pk])).status_code == 302
    page = shopper_client.get(reverse("web:order", args=[order.pk])).content.decode()
    assert "Delivered" in page
    assert set(Shipment.objects.values_list("delivery_source", flat=True)) == {"buyer"}
