from decimal import Decimal

import pytest

from clipcart.core.errors import Conflict
from clipcart.inventory.selectors import available_quantity
from clipcart.orders import services
from clipcart.orders.models import Order, OrderEvent
from clipcart.payments.models import Payment

from ..conftest import ApiClient, checkout_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(shopper_api, product, other_product):
    """A paid checkout of 2 serums (shop) and 1 novel (other_shop); returns {shop_id: order_id}."""
    shopper_api.post("/cart/items", {"variant_id": product.variants.get().pk, "quantity": 2})
    shopper_api.post("/cart/items", {"variant_id": other_product.variants.get().pk, "quantity": 1})
    orders = shopper_api.post("/checkout", checkout_body()).json()["orders"]
    return {o["shop_id"]: o["id"] for o in orders}


def test_the_buyer_sees_their_orders_newest_first_with_lines(shopper_api, placed):
    body = shopper_api.get("/orders").json()
    assert [o["id"] for o in body["items"]] == sorted(placed.values(), reverse=True)
    assert body["next_cursor"] is None
    assert all(o["status"] == "paid" and o["lines"] and o["ships_by"] for o in body["items"])


def test_another_buyers_order_is_not_found(placed, stranger):
    stranger_api = ApiClient(stranger)
    order_id = next(iter(placed.values()))
    assert stranger_api.get(f"/orders/{order_id}").status_code == 404
    assert stranger_api.post(f"/orders/{order_id}/cancel", {}).status_code == 404
    assert stranger_api.get("/orders").json()["items"] == []


def test_shop_staff_see_only_their_shops_orders_and_can_filter_by_status(seller_api, shop, placed):
    body = seller_api.get(f"/shops/{shop.pk}/orders?status=paid").json()
    assert [o["id"] for o in body["items"]] == [placed[shop.pk]]
    assert seller_api.get(f"/shops/{shop.pk}/orders?status=shipped").json()["items"] == []
    assert seller_api.get(f"/shops/{shop.pk}/orders?status=bogus").status_code == 422


def test_a_seller_cannot_read_another_shops_orders(other_seller_api, shop, placed):
    assert other_seller_api.get(f"/shops/{shop.pk}/orders").status_code == 403


def test_shipping_an_order_records_carrier_tracking_and_the_event(seller_api, shop, placed):
    response = seller_api.post(
        f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship",
        {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "UPS",
        "1Z999AA10123456784",
    )
    assert body["events"][-1]["to_status"] == "shipped"


def test_repeating_a_ship_request_is_one_shipment(seller_api, shop, placed):
    path = f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship"
    body = {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}
    first = seller_api.post(path, body)
    again = seller_api.post(path, body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(again.json()["shipments"]) == 1
    assert OrderEvent.objects.filter(order_id=placed[shop.pk], to_status="shipped").count() == 1


def test_a_shipped_order_cannot_ship_again_with_another_number(seller_api, shop, placed):
    path = f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship"
    seller_api.post(path, {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    again = seller_api.post(path, {"carrier": "FedEx", "tracking_number": "123456789012"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_shipped"
    assert Order.objects.get(pk=placed[shop.pk]).carrier == "UPS"


@pytest.mark.parametrize(
    ("carrier", "tracking", "field"),
    [
        ("", "1Z999AA10123456784", "carrier"),
        ("UPS", "", "tracking_number"),
        ("UPS", "no spaces allowed!", "tracking_number"),
        ("UPS", "x" * 41, "tracking_number"),
    ],
)
def test_bad_shipment_details_are_refused(seller_api, shop, placed, carrier, tracking, field):
    response = seller_api.post(
        f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship",
        {"carrier": carrier, "tracking_number": tracking},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert Order.objects.get(pk=placed[shop.pk]).status == "paid"


def test_a_seller_cannot_ship_another_shops_order(
    seller_api, other_seller_api, shop, other_shop, placed
):
    through_own = other_seller_api.post(
        f"/shops/{other_shop.pk}/orders/{placed[shop.pk]}/ship",
        {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
    )
    through_theirs = other_seller_api.post(
        f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship",
        {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
    )
    assert (through_own.status_code, through_theirs.status_code) == (404, 403)
    assert Order.objects.get(pk=placed[shop.pk]).status == "paid"


def test_cancelling_an_unshipped_order_restocks_and_refunds_only_that_order(
    shopper_api, shop, product, placed
):
    response = shopper_api.post(f"/orders/{placed[shop.pk]}/cancel", {"reason": "Changed mind"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert available_quantity(product.variants.get().pk) == 10
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", Decimal("44.99"))


def test_a_cancelled_order_is_refunded_once_even_when_cancelled_again(shopper_api, shop, placed):
    shopper_api.post(f"/orders/{placed[shop.pk]}/cancel", {})
    again = shopper_api.post(f"/orders/{placed[shop.pk]}/cancel", {})
    assert again.status_code == 409
    assert Payment.objects.get().amount_refunded == Decimal("44.99")


def test_a_shipped_order_cannot_be_cancelled(shopper_api, seller_api, shop, placed):
    seller_api.post(
        f"/shops/{shop.pk}/orders/{placed[shop.pk]}/ship",
        {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
    )
    assert shopper_api.post(f"/orders/{placed[shop.pk]}/cancel", {}).status_code == 409


def test_the_state_machine_walks_the_happy_path_and_logs_every_step(shop, placed, seller):
    order_id = placed[shop.pk]
    services.ship_order(
        shop_id=shop.pk,
        order_id=order_id,
        carrier="DHL",
        tracking_number="1234567890",
        actor=seller,
    )
    services.transition(order_id=order_id, to="delivered", note="Carrier confirmed")
    services.transition(order_id=order_id, to="completed")
    steps = list(
        OrderEvent.objects.filter(order_id=order_id).values_list("from_status", "to_status")
    )
    assert steps == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "completed"),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending_payment", "shipped"),
        ("paid", "delivered"),
        ("paid", "completed"),
        ("cancelled", "paid"),
        ("refunded", "paid"),
        ("completed", "shipped"),
    ],
)
def test_moves_outside_the_state_machine_are_refused(shop, placed, start, target):
    order_id = placed[shop.pk]
    Order.objects.filter(pk=order_id).update(status=start)
    with pytest.raises(Conflict):
        services.transition(order_id=order_id, to=target)
    assert Order.objects.get(pk=order_id).status == start


def test_a_refund_that_fails_at_cancel_time_stays_pending_and_beat_completes_it_once(
    shopper_api, shop, product, placed, monkeypatch
):
    from clipcart.payments.gateways import GatewayResponse, TestGateway
    from clipcart.payments.models import Refund
    from clipcart.payments.tasks import process_pending_refunds

    real_refund = TestGateway.refund
    monkeypatch.setattr(TestGateway, "refund", lambda self, **kw: GatewayResponse(ok=False))
    response = shopper_api.post(f"/orders/{placed[shop.pk]}/cancel", {})
    assert response.json()["status"] == "cancelled"
    assert available_quantity(product.variants.get().pk) == 10
    refund = Refund.objects.get()
    assert (refund.status, refund.attempts) == ("pending", 1)
    assert Payment.objects.get().amount_refunded == 0

    monkeypatch.setattr(TestGateway, "refund", real_refund)  # the gateway is back
    assert process_pending_refunds.delay().get() == 1
    assert process_pending_refunds.delay().get() == 0
    assert Refund.objects.get().status == "succeeded"
    assert Payment.objects.get().amount_refunded == Decimal("44.99")


def test_a_failure_while_cancelling_leaves_the_order_paid_and_no_refund_due(
    shopper_api, shop, product, placed, monkeypatch
):
    from clipcart.inventory import services as inventory_services
    from clipcart.payments.models import Refund

    def broken_restock(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(inventory_services, "restock", broken_restock)
    with pytest.raises(RuntimeError):
        services.cancel_order(order_id=placed[shop.pk], actor=None, reason="test")
    assert Order.objects.get(pk=placed[shop.pk]).status == "paid"
    assert not Refund.objects.exists()
