"""Shipping and delivery at the same moment: the order's row lock lets one ship request take
the last units, a repeated request is one parcel, one tracking number stays with one shop, and
one carrier event is applied once."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.utils import timezone

from clipcart.core.errors import Conflict
from clipcart.orders import services, shipments
from clipcart.orders.models import CarrierEvent, Shipment, ShipmentLine

from ..factories import buy
from ..shipments.helpers import FEDEX, UPS, UPS_2, lines_of, signed, two_line_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls):
    """Runs the calls in threads released together; each answers "shipped" or an error code."""
    barrier = Barrier(len(calls))

    def run(call) -> str:
        try:
            barrier.wait()
            call()
            return "ok"
        except Conflict as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return sorted(pool.map(run, calls))


def ship(order, seller, number, carrier="UPS", lines=None):
    return lambda: services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier=carrier,
        tracking_number=number,
        lines=lines,
        actor=seller,
    )


def test_two_requests_for_the_last_units_ship_them_once(shopper, seller, shop, product):
    order = two_line_order(shopper, shop, product)
    serum, _ = lines_of(order)
    both = [{"line_id": serum, "quantity": 2}]
    outcomes = at_once(
        [ship(order, seller, UPS, lines=both), ship(order, seller, FEDEX, "FedEx", lines=both)]
    )
    assert outcomes == ["exceeds_unshipped", "ok"]
    assert sum(ShipmentLine.objects.filter(line_id=serum).values_list("quantity", flat=True)) == 2


def test_two_ship_everything_requests_make_one_parcel(shopper, seller, shop, product):
    order = two_line_order(shopper, shop, product)
    outcomes = at_once([ship(order, seller, UPS), ship(order, seller, UPS_2)])
    assert outcomes == ["already_shipped", "ok"]
    assert Shipment.objects.filter(order=order).count() == 1


def test_the_same_request_twice_at_once_is_one_parcel(shopper, seller, shop, product):
    order = two_line_order(shopper, shop, product)
    assert at_once([ship(order, seller, UPS), ship(order, seller, UPS)]) == ["ok", "ok"]
    assert Shipment.objects.filter(order=order).count() == 1


def test_two_shops_racing_for_one_tracking_number_one_wins(
    shopper, seller, other_seller, shop, product, other_product
):
    mine = buy(shopper, [product.variants.get().pk])[0]["id"]
    theirs = buy(shopper, [other_product.variants.get().pk])[0]["id"]

    def ship_as(user, shop_id, order_id):
        return lambda: services.ship_order(
            shop_id=shop_id, order_id=order_id, carrier="UPS", tracking_number=UPS, actor=user
        )

    outcomes = at_once(
        [
            ship_as(seller, shop.pk, mine),
            ship_as(other_seller, other_product.shop_id, theirs),
        ]
    )
    assert outcomes == ["ok", "tracking_number_in_use"]
    assert Shipment.objects.filter(tracking_number=UPS).count() == 1


def test_one_carrier_event_delivered_twice_at_once_is_applied_once(shopper, seller, shop, product):
    order = two_line_order(shopper, shop, product)
    ship(order, seller, UPS)()
    raw, header = signed(
        {
            "id": "evt-1",
            "tracking_number": UPS,
            "status": "delivered",
            "occurred_at": timezone.now().isoformat(),
        }
    )
    replays: list[bool] = []

    def deliver():
        replays.append(
            shipments.receive_carrier_event(carrier="ups", raw_body=raw, signature=header).replayed
        )

    assert at_once([deliver, deliver]) == ["ok", "ok"]
    assert sorted(replays) == [False, True]
    assert CarrierEvent.objects.count() == 1
    order.refresh_from_db()
    assert order.status == "delivered"
