"""A buyer's orders: status, history, tracking, and cancelling before shipment."""

import pytest
from django.urls import reverse

from clipcart.inventory.selectors import available_quantity
from clipcart.orders import services as order_services

from .helpers import variant

pytestmark = pytest.mark.django_db


def test_order_detail_shows_lines_ships_by_and_the_timeline(shopper_client, paid_order):
    html = shopper_client.get(reverse("web:order", args=[paid_order.pk])).content.decode()

    assert "Glow serum" in html
    assert "Ships by" in html
    assert "Pending payment" in html and "Payment captured" in html  # the event timeline
    assert "1 Main St" in html


def test_shipped_order_shows_tracking_and_no_cancel_button(
    shopper_client, seller, shop, paid_order
):
    order_services.ship_order(
        shop_id=shop.pk,
        order_id=paid_order.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )

    html = shopper_client.get(reverse("web:order", args=[paid_order.pk])).content.decode()

    assert "1Z999AA10123456784" in html and "UPS" in html and "Shipped" in html
    assert "Cancel order" not in html


def test_buyer_cancels_a_paid_order_and_the_stock_returns(shopper_client, paid_order, product):
    response = shopper_client.post(reverse("web:order_cancel", args=[paid_order.pk]))

    paid_order.refresh_from_db()
    assert response.status_code == 302
    assert paid_order.status == "cancelled"
    assert available_quantity(variant(product).pk) == 10


def test_cancelling_a_shipped_order_is_a_conflict(shopper_client, seller, shop, paid_order):
    order_services.ship_order(
        shop_id=shop.pk,
        order_id=paid_order.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )

    response = shopper_client.post(reverse("web:order_cancel", args=[paid_order.pk]))

    paid_order.refresh_from_db()
    assert response.status_code == 409
    assert "cannot become cancelled" in response.content.decode()
    assert paid_order.status == "shipped"


def test_another_buyer_cannot_cancel_an_order(stranger_client, paid_order):
    response = stranger_client.post(reverse("web:order_cancel", args=[paid_order.pk]))

    paid_order.refresh_from_db()
    assert response.status_code == 404
    assert paid_order.status == "paid"
