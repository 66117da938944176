from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.pagination import Page, paginate_by_pk

from .models import Order, OrderEvent, OrderLine, OrderStatus, Shipment, ShipmentLine


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("shop", "buyer").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.order_by("id")
            .annotate(
                refunded=Coalesce(
                    Sum("refunds__amount"), Value(Decimal("0.00"), output_field=DecimalField())
                )
            )
            .prefetch_related("shipment_lines"),
        ),
        Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.order_by("id").prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.order_by("id"))
            ),
        ),
    )


def orders_of_buyer(*, buyer, cursor: str | None = None, size: int = 20) -> Page[Order]:
    return paginate_by_pk(
        _with_details(Order.objects.filter(buyer=buyer)), cursor=cursor, size=size
    )


def order_of_buyer(*, buyer, order_id: int) -> Order:
    """The buyer's order; another person's order is simply not found (404, not 403)."""
    order = _with_details(Order.objects.filter(pk=order_id, buyer=buyer)).first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def orders_of_shop(
    *, shop_id: int, status: str = "", cursor: str | None = None, size: int = 20
) -> Page[Order]:
    orders = Order.objects.filter(shop_id=shop_id)
    if status:
        if status not in OrderStatus.values:
            raise InvalidInput("Unknown order status.", field="status")
        orders = orders.filter(status=status)
    return paginate_by_pk(_with_details(orders), cursor=cursor, size=size)


def order_of_shop(*, shop_id: int, order_id: int) -> Order:
    order = _with_details(Order.objects.filter(pk=order_id, shop_id=shop_id)).first()
    if order is None:
        raise NotFound("No such order in this shop.", code="order_not_found")
    return order


def orders_of_checkout(*, checkout_ref) -> list[Order]:
    return list(Order.objects.filter(checkout_ref=checkout_ref).order_by("id"))


def order_status_counts(*, shop_id: int) -> dict[str, int]:
    """How many orders of a shop are in each status (one query), for its seller center."""
    from django.db.models import Count

    rows = (
        Order.objects.filter(shop_id=shop_id)
        .order_by()
        .values("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    return dict(rows)
