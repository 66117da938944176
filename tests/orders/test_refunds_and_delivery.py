"""Line refunds and delivery confirmation through the API and the pages."""

from decimal import Decimal

import pytest

from clipcart.orders import services as order_services
from clipcart.orders.models import LineRefund, Order
from clipcart.payments.models import Refund

from ..conftest import ApiClient
from ..factories import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, product):
    return Order.objects.get(pk=buy(shopper, [product.variants.get().pk], quantity=2)[0]["id"])


def refund_path(order) -> str:
    return f"/shops/{order.shop_id}/orders/{order.pk}/lines/{order.lines.get().pk}/refunds"


def test_shop_staff_refund_part_of_a_line(seller_api, order):
    answer = seller_api.post(
        refund_path(order),
        {"amount": "15.00", "reason": "Scratched"},
        headers={"Idempotency-Key": "r-1"},
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["amount"], body["line_refunded"], body["line_refundable"]) == (
        "15.00",
        "15.00",
        "25.00",
    )
    assert Refund.objects.get(payment_id=order.payment_id).amount == Decimal("15.00")


def test_the_same_idempotency_key_is_one_refund(seller_api, order):
    for _ in range(2):
        answer = seller_api.post(
            refund_path(order), {"amount": "15.00"}, headers={"Idempotency-Key": "same"}
        )
        assert answer.status_code == 201
    assert LineRefund.objects.count() == 1


@pytest.mark.parametrize(
    "amount, status", [("45.00", 409), ("0", 422), ("abc", 422), ("1.001", 422), ("-3", 422)]
)
def test_bad_refund_amounts_are_refused(seller_api, order, amount, status):
    answer = seller_api.post(
        refund_path(order), {"amount": amount}, headers={"Idempotency-Key": "k"}
    )
    assert answer.status_code == status
    assert answer.json()["error"]["field"] == "amount"
    assert not LineRefund.objects.exists()


def test_another_shop_cannot_refund(other_seller_api, order):
    answer = other_seller_api.post(
        refund_path(order), {"amount": "5.00"}, headers={"Idempotency-Key": "k"}
    )
    assert answer.status_code == 403


def test_a_refund_needs_an_idempotency_key(seller_api, order):
    assert seller_api.post(refund_path(order), {"amount": "5.00"}).status_code == 422


def test_the_buyer_confirms_delivery_of_a_shipped_order(shopper_api, seller, stranger, order):
    assert shopper_api.post(f"/orders/{order.pk}/confirm-delivery").status_code == 409
    order_services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )
    assert ApiClient(stranger).post(f"/orders/{order.pk}/confirm-delivery").status_code == 404
    answer = shopper_api.post(f"/orders/{order.pk}/confirm-delivery")
    assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    order.refresh_from_db()
    assert order.delivered_at is not None


def test_the_seller_refunds_from_the_order_page(client, seller, order):
    client.force_login(seller)
    page = client.get(f"/seller/{order.shop_id}/orders/{order.pk}/")
    assert b"Refund" in page.content
    line = order.lines.get()
    answer = client.post(
        f"/seller/{order.shop_id}/orders/{order.pk}/refund/",
        {"line_id": line.pk, "amount": "10.00", "reason": "Late", "key": "form-1"},
    )
    assert answer.status_code == 302
    page = client.get(f"/seller/{order.shop_id}/orders/{order.pk}/")
    assert b"Refunded" in page.content and b"$10.00" in page.content


def test_a_refund_too_large_shows_the_error_on_the_page(client, seller, order):
    client.force_login(seller)
    line = order.lines.get()
    answer = client.post(
        f"/seller/{order.shop_id}/orders/{order.pk}/refund/",
        {"line_id": line.pk, "amount": "99.00", "reason": "", "key": "form-2"},
    )
    assert answer.status_code == 409
    assert b"left to refund" in answer.content
    assert not LineRefund.objects.exists()


def test_the_buyer_marks_an_order_received_from_its_page(client, shopper, seller, order):
    order_services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )
    client.force_login(shopper)
    assert b"I received it" in client.get(f"/orders/{order.pk}/").content
    assert client.post(f"/orders/{order.pk}/received/").status_code == 302
    assert b"You can return items within 30 days" in client.get(f"/orders/{order.pk}/").content


def test_notifications_are_listed_and_read_on_opening(client, shopper):
    from clipcart.accounts import services as account_services

    account_services.notify(user=shopper, kind="test", message="Your sample shipped", url="/")
    client.force_login(shopper)
    assert b'aria-label="Notifications, 1 unread"' in client.get("/orders/").content
    page = client.get("/notifications/")
    assert b"Your sample shipped" in page.content and b"New" in page.content
    assert b"unread" not in client.get("/orders/").content.split(b"<main")[0]
