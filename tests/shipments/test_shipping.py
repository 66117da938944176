"""Shipping an order: partial shipments, the ship API, idempotency and the bad inputs."""

import pytest

from clipcart.accounts.models import Notification
from clipcart.core.errors import Conflict
from clipcart.orders import services
from clipcart.orders.models import Order, OrderEvent, Shipment, ShipmentLine, TrackingClaim

from ..factories import buy
from .helpers import FEDEX, UPS, UPS_2, lines_of, two_line_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, shop, product):
    return two_line_order(shopper, shop, product)


def ship_path(order, shop_id=None) -> str:
    return f"/shops/{shop_id or order.shop_id}/orders/{order.pk}/ship"


def test_shipping_everything_makes_one_shipment_of_every_unit(seller_api, order):
    answer = seller_api.post(ship_path(order), {"carrier": "UPS", "tracking_number": UPS})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "shipped" and not body["partly_shipped"]
    [shipment] = body["shipments"]
    serum, mask = lines_of(order)
    assert shipment["lines"] == [
        {"line_id": serum, "quantity": 2},
        {"line_id": mask, "quantity": 3},
    ]
    assert (shipment["carrier"], shipment["carrier_code"], shipment["status"]) == (
        "UPS",
        "ups",
        "shipped",
    )
    assert shipment["tracking_url"].endswith(UPS)


def test_a_partial_shipment_keeps_the_order_paid_and_stamps_the_first_tracking(
    seller_api, seller, order
):
    serum, mask = lines_of(order)
    answer = seller_api.post(
        ship_path(order),
        {
            "carrier": "ups",
            "tracking_number": UPS,
            "lines": [{"line_id": serum, "quantity": 2}, {"line_id": mask, "quantity": 1}],
        },
    )
    body = answer.json()
    assert (body["status"], body["partly_shipped"], body["carrier"], body["tracking_number"]) == (
        "paid",
        True,
        "UPS",
        UPS,
    )
    assert "2 still to ship" in body["events"][-1]["note"]

    rest = seller_api.post(ship_path(order), {"carrier": "FedEx", "tracking_number": FEDEX})
    body = rest.json()
    assert (body["status"], body["partly_shipped"], len(body["shipments"])) == (
        "shipped",
        False,
        2,
    )
    assert body["shipments"][1]["lines"] == [{"line_id": mask, "quantity": 2}]
    # The order keeps the first parcel's carrier and number for the fixed API.
    assert (body["carrier"], body["tracking_number"]) == ("UPS", UPS)
    first_shipped = Order.objects.get(pk=order.pk).shipped_at
    assert first_shipped == Shipment.objects.order_by("id").first().shipped_at


def test_shipping_more_than_bought_is_refused_and_nothing_is_shipped(seller_api, order):
    serum, _ = lines_of(order)
    answer = seller_api.post(
        ship_path(order),
        {"carrier": "UPS", "tracking_number": UPS, "lines": [{"line_id": serum, "quantity": 3}]},
    )
    assert answer.status_code == 409
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == (
        "exceeds_unshipped",
        "lines",
    )
    assert not Shipment.objects.exists() and not TrackingClaim.objects.exists()


def test_shipping_more_than_is_left_after_an_earlier_parcel_is_refused(seller, order):
    serum, _ = lines_of(order)
    one = [{"line_id": serum, "quantity": 1}]
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number=UPS,
        lines=one,
        actor=seller,
    )
    with pytest.raises(Conflict) as error:
        services.ship_order(
            shop_id=order.shop_id,
            order_id=order.pk,
            carrier="UPS",
            tracking_number=UPS_2,
            lines=[{"line_id": serum, "quantity": 2}],
            actor=seller,
        )
    assert "Only 1 of 2" in error.value.message
    assert sum(ShipmentLine.objects.values_list("quantity", flat=True)) == 1


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"line_id": 1, "quantity": 0}],
        [{"line_id": 1, "quantity": -1}],
        [{"line_id": 1, "quantity": 1_000_000}],
        [{"line_id": 1, "quantity": "two"}],
        [{"line_id": "x", "quantity": 1}],
        [{"line_id": 1}],
        ["a line"],
    ],
)
def test_malformed_lines_are_refused(seller_api, order, lines):
    answer = seller_api.post(
        ship_path(order), {"carrier": "UPS", "tracking_number": UPS, "lines": lines}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"].startswith("lines")
    assert not Shipment.objects.exists()


def test_naming_a_line_twice_is_refused(seller_api, order):
    serum, _ = lines_of(order)
    twice = [{"line_id": serum, "quantity": 1}, {"line_id": serum, "quantity": 1}]
    answer = seller_api.post(
        ship_path(order), {"carrier": "UPS", "tracking_number": UPS, "lines": twice}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "duplicate_line")


def test_a_line_of_another_order_is_not_found(seller_api, shopper, order, product):
    other = Order.objects.get(pk=buy(shopper, [product.variants.get().pk])[0]["id"])
    answer = seller_api.post(
        ship_path(order),
        {
            "carrier": "UPS",
            "tracking_number": UPS,
            "lines": [{"line_id": other.lines.get().pk, "quantity": 1}],
        },
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "order_line_not_found")
    assert not Shipment.objects.exists()


@pytest.mark.parametrize(
    ("carrier", "number"),
    [("UPS", "1Z999AA1"), ("FedEx", "12345"), ("DHL", "JD0123456789"), ("USPS", "12AB")],
)
def test_a_number_in_the_wrong_format_for_its_carrier_is_422(seller_api, order, carrier, number):
    answer = seller_api.post(ship_path(order), {"carrier": carrier, "tracking_number": number})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_tracking_number", "tracking_number")
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_another_carrier_ships_with_its_typed_name(seller_api, order):
    answer = seller_api.post(
        ship_path(order),
        {"carrier": "other", "carrier_name": "Bike Couriers", "tracking_number": "bc-77"},
    )
    shipment = answer.json()["shipments"][0]
    assert (shipment["carrier"], shipment["carrier_code"], shipment["tracking_number"]) == (
        "Bike Couriers",
        "other",
        "BC-77",
    )
    assert shipment["tracking_url"] is None


def test_another_shops_order_is_not_found_and_nothing_changes(other_seller_api, other_shop, order):
    answer = other_seller_api.post(
        ship_path(order, shop_id=other_shop.pk), {"carrier": "UPS", "tracking_number": UPS}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "order_not_found")
    order.refresh_from_db()
    assert (order.status, order.tracking_number, order.shipped_at) == ("paid", "", None)
    assert not Shipment.objects.exists() and not TrackingClaim.objects.exists()


def test_a_tracking_number_another_shop_used_is_a_conflict(
    seller_api, other_seller, other_shop, other_product, shopper, order
):
    theirs = buy(shopper, [other_product.variants.get().pk])[0]["id"]
    services.ship_order(
        shop_id=other_shop.pk,
        order_id=theirs,
        carrier="UPS",
        tracking_number=UPS,
        actor=other_seller,
    )
    answer = seller_api.post(ship_path(order), {"carrier": "UPS", "tracking_number": UPS})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "tracking_number_in_use"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_one_shop_may_put_two_of_its_orders_in_one_parcel(seller, shopper, product, order):
    second = buy(shopper, [product.variants.get().pk])[0]["id"]
    for order_id in (order.pk, second):
        services.ship_order(
            shop_id=order.shop_id,
            order_id=order_id,
            carrier="UPS",
            tracking_number=UPS,
            actor=seller,
        )
    assert Shipment.objects.filter(tracking_number=UPS).count() == 2


@pytest.mark.parametrize("status", ["cancelled", "refunded", "pending_payment"])
def test_an_order_that_cannot_ship_is_a_conflict(seller_api, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    answer = seller_api.post(ship_path(order), {"carrier": "UPS", "tracking_number": UPS})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "invalid_transition")
    assert not Shipment.objects.exists()


def test_a_cancelled_order_cannot_be_shipped(seller_api, shopper_api, order):
    shopper_api.post(f"/orders/{order.pk}/cancel", {})
    answer = seller_api.post(ship_path(order), {"carrier": "UPS", "tracking_number": UPS})
    assert answer.status_code == 409
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_repeating_a_partial_shipment_ships_nothing_more(seller_api, order):
    serum, _ = lines_of(order)
    body = {"carrier": "UPS", "tracking_number": UPS, "lines": [{"line_id": serum, "quantity": 1}]}
    assert seller_api.post(ship_path(order), body).status_code == 200
    again = seller_api.post(ship_path(order), body)
    assert again.status_code == 200
    assert ShipmentLine.objects.get().quantity == 1
    assert OrderEvent.objects.filter(order=order, note__startswith="Partly").count() == 1


def test_the_same_number_with_other_lines_is_a_conflict(seller_api, order):
    serum, mask = lines_of(order)
    seller_api.post(
        ship_path(order),
        {"carrier": "UPS", "tracking_number": UPS, "lines": [{"line_id": serum, "quantity": 1}]},
    )
    answer = seller_api.post(
        ship_path(order),
        {"carrier": "UPS", "tracking_number": UPS, "lines": [{"line_id": mask, "quantity": 1}]},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "tracking_number_reused")


def test_a_partly_shipped_order_can_no_longer_be_cancelled(seller, shopper_api, order):
    serum, _ = lines_of(order)
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number=UPS,
        lines=[{"line_id": serum, "quantity": 1}],
        actor=seller,
    )
    answer = shopper_api.post(f"/orders/{order.pk}/cancel", {})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "partly_shipped")
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_the_buyer_is_told_when_a_parcel_ships(
    seller, shopper, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(
            shop_id=order.shop_id,
            order_id=order.pk,
            carrier="UPS",
            tracking_number=UPS,
            actor=seller,
        )
    note = Notification.objects.get(user=shopper, kind="order_shipped")
    assert UPS in note.message and note.url == f"/orders/{order.pk}/"


def test_order_answers_carry_delivers_by_late_and_shipments(seller_api, shopper_api, order):
    Order.objects.filter(pk=order.pk).update(late_at="2026-01-01T00:00:00Z")
    body = shopper_api.get(f"/orders/{order.pk}").json()
    assert body["late"] is True and body["shipments"] == [] and "delivers_by" in body
    listed = seller_api.get(f"/shops/{order.shop_id}/orders").json()["items"][0]
    assert listed["late"] is True and listed["partly_shipped"] is False
    one = seller_api.get(f"/shops/{order.shop_id}/orders/{order.pk}")
    assert one.status_code == 200 and one.json()["id"] == order.pk


def test_another_seller_cannot_read_the_shops_order(other_seller_api, order):
    assert other_seller_api.get(f"/shops/{order.shop_id}/orders/{order.pk}").status_code == 403
