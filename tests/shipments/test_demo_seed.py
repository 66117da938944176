"""The demo's shipped and delivered orders get the parcels behind their tracking numbers.

The orders are shaped the way the demo writer leaves them: status, carrier, tracking number and
shipping time stamped on the order, the delivery recorded only as an order event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clipcart.demo import shipments as demo_shipments
from clipcart.orders import carriers
from clipcart.orders.models import Order, OrderEvent, OrderStatus, Shipment, TrackingClaim

from .helpers import two_line_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_orders(shopper, shop, product):
    now = timezone.now()
    plans = [
        (OrderStatus.SHIPPED, "UPS", "1Z8V3W6X0123456789", None),
        (OrderStatus.COMPLETED, "DHL Express", "4829105736", now - timedelta(days=3)),
        (OrderStatus.DELIVERED, "OnTrac", "D10293847561029", now - timedelta(days=1)),
    ]
    orders = []
    for status, carrier, number, delivered in plans:
        order = two_line_order(shopper, shop, product)
        Order.objects.filter(pk=order.pk).update(
            status=status,
            carrier=carrier,
            tracking_number=number,
            shipped_at=now - timedelta(days=5),
        )
        if delivered:
            event = OrderEvent.objects.create(
                order=order, from_status="shipped", to_status="delivered"
            )
            OrderEvent.objects.filter(pk=event.pk).update(created_at=delivered)
        orders.append(order)
    two_line_order(shopper, shop, product)  # paid, not shipped: no parcel
    return orders


def test_every_shipped_demo_order_gets_one_parcel_of_all_its_units(demo_orders):
    assert demo_shipments.seed(base=timezone.now()) == 3
    for order in Order.objects.filter(pk__in=[o.pk for o in demo_orders]).prefetch_related(
        "lines__shipment_lines", "shipments"
    ):
        [parcel] = order.shipments.all()
        carriers.check_tracking(carrier=parcel.carrier, tracking_number=parcel.tracking_number)
        assert parcel.carrier != carriers.OTHER and parcel.shipped_at == order.shipped_at
        assert parcel.created_at == order.shipped_at
        assert all(line.unshipped_quantity == 0 for line in order.lines.all())
        if order.status == OrderStatus.SHIPPED:
            assert (parcel.status, parcel.delivered_at) == ("in_transit", None)
        else:
            assert parcel.delivered_at is not None and parcel.delivery_source == "carrier"
    assert TrackingClaim.objects.count() == 3


def test_seeding_again_writes_nothing_more(demo_orders):
    demo_shipments.seed(base=timezone.now())
    assert demo_shipments.seed(base=timezone.now()) == 0
    assert Shipment.objects.count() == 3
