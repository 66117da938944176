"""Shipments for the demo's shipped and delivered orders.

The demo writer stamps orders with a carrier, a tracking number and a shipping time (and records
the delivery as an order event); the parcels behind them are written here the way
orders.shipments leaves them: one parcel with every unit, the known carrier's slug, delivered by
the carrier at the time of the delivery event, and the tracking number claimed by its shop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery

from clipcart.orders import carriers
from clipcart.orders.models import (
    DeliverySource,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentLine,
    TrackingClaim,
    TrackingStatus,
)

IN_TRANSIT_AFTER = timedelta(hours=12)  # a parcel this long on its way has been scanned


def seed(*, base: datetime) -> int:
    """Writes a shipment for every demo order that shipped and has none; returns how many.
    Precondition: inside the seed's transaction, after the orders."""
    delivery = OrderEvent.objects.filter(
        order_id=OuterRef("pk"), to_status=OrderStatus.DELIVERED
    ).values("created_at")[:1]
    orders = list(
        Order.objects.filter(shipped_at__isnull=False, shipments__isnull=True)
        .exclude(tracking_number="")
        .annotate(delivery_event_at=Subquery(delivery))
        .prefetch_related("lines")
        .order_by("id")
    )
    from .services import timestamps_as_given  # the seed imports this module

    with timestamps_as_given(Shipment):
        shipments = Shipment.objects.bulk_create([_shipment(o, base=base) for o in orders])
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, line=line, quantity=line.quantity)
        for order, shipment in zip(orders, shipments, strict=True)
        for line in order.lines.all()
    )
    TrackingClaim.objects.bulk_create(
        (TrackingClaim(tracking_number=o.tracking_number, shop_id=o.shop_id) for o in orders),
        ignore_conflicts=True,  # a shop's parcel may carry several of its orders
    )
    return len(shipments)


def _shipment(order, *, base: datetime) -> Shipment:
    known = carriers.known(order.carrier)
    delivered_at = order.delivered_at or order.delivery_event_at
    if delivered_at is not None:
        delivered_at = max(delivered_at, order.shipped_at)
        status = TrackingStatus.DELIVERED
    elif base - order.shipped_at > IN_TRANSIT_AFTER:
        status = TrackingStatus.IN_TRANSIT
    else:
        status = TrackingStatus.SHIPPED
    return Shipment(
        order=order,
        carrier=known.slug if known else carriers.OTHER,
        carrier_name=known.name if known else order.carrier,
        tracking_number=order.tracking_number,
        status=status,
        status_at=delivered_at,
        shipped_at=order.shipped_at,
        delivered_at=delivered_at,
        delivery_source=DeliverySource.CARRIER if delivered_at else "",
        created_at=order.shipped_at,
        updated_at=delivered_at or order.shipped_at,
    )
