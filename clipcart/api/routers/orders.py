from datetime import datetime

from ninja import Field, Header, Router, Schema, Status
from pydantic import StrictInt, StrictStr

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import CancelIn, ErrorOut, OrderOut
from clipcart.catalog import services as catalog_services
from clipcart.core.money import format_money
from clipcart.orders import selectors, services
from clipcart.orders.models import Order

router = Router(tags=["orders"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Orders with their shipments ----------------------------------------------------------------


class OrderShipmentLineOut(Schema):
    line_id: int
    quantity: int


class OrderShipmentOut(Schema):
    id: int
    carrier: str = Field(..., description='The carrier\'s name ("UPS"), or the name typed.')
    carrier_code: str = Field(..., description='A known carrier\'s slug ("ups") or "other".')
    tracking_number: str
    tracking_url: str | None
    status: str = Field(..., description="shipped, in_transit, exception or delivered.")
    shipped_at: datetime
    delivered_at: datetime | None
    delivered_by: str | None = Field(..., description="carrier, buyer or auto.")
    lines: list[OrderShipmentLineOut]


class OrderWithShipmentsOut(OrderOut):
    delivers_by: str | None
    late: bool
    late_at: datetime | None
    partly_shipped: bool
    shipped_at: datetime | None
    delivered_at: datetime | None
    shipments: list[OrderShipmentOut]


class OrderWithShipmentsListOut(Schema):
    items: list[OrderWithShipmentsOut]
    next_cursor: str | None


def shipment_body(shipment) -> dict:
    return {
        "id": shipment.pk,
        "carrier": shipment.carrier_name,
        "carrier_code": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url or None,
        "status": shipment.status,
        "shipped_at": shipment.shipped_at,
        "delivered_at": shipment.delivered_at,
        "delivered_by": shipment.delivery_source or None,
        "lines": [{"line_id": p.line_id, "quantity": p.quantity} for p in shipment.lines.all()],
    }


def order_body(order: Order) -> dict:
    """The fixed order answer plus promised delivery, lateness and shipments."""
    return {
        **presenters.order(order),
        "delivers_by": order.delivers_by.isoformat() if order.delivers_by else None,
        "late": order.late,
        "late_at": order.late_at,
        "partly_shipped": order.partly_shipped,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "shipments": [shipment_body(s) for s in order.shipments.all()],
    }


@router.get("/orders", response={200: OrderWithShipmentsListOut, 422: ErrorOut})
def my_orders(request, cursor: str | None = None):
    page = selectors.orders_of_buyer(buyer=request.auth, cursor=cursor)
    return {"items": [order_body(o) for o in page.items], "next_cursor": page.next_cursor}


@router.get("/orders/{order_id}", response={200: OrderWithShipmentsOut, 404: ErrorOut})
def my_order(request, order_id: int):
    return order_body(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/cancel", response={200: OrderWithShipmentsOut, **ERRORS})
def cancel_my_order(request, order_id: int, payload: CancelIn):
    selectors.order_of_buyer(buyer=request.auth, order_id=order_id)
    services.cancel_order(order_id=order_id, actor=request.auth, reason=payload.reason)
    return order_body(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


@router.get("/shops/{shop_id}/orders", response={200: OrderWithShipmentsListOut, **ERRORS})
def shop_orders(request, shop_id: int, status: str = "", cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    page = selectors.orders_of_shop(shop_id=shop_id, status=status, cursor=cursor)
    return {"items": [order_body(o) for o in page.items], "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/orders/{order_id}", response={200: OrderWithShipmentsOut, **ERRORS})
def shop_order(request, shop_id: int, order_id: int):
    """One order of the shop, with its shipments (shop staff only)."""
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    return order_body(selectors.order_of_shop(shop_id=shop_id, order_id=order_id))


class OrderShipLineIn(Schema):
    line_id: StrictInt
    quantity: StrictInt = Field(..., ge=1, le=100_000)


class OrderShipIn(Schema):
    carrier: StrictStr = Field(
        ..., max_length=200, description='A carrier\'s name or slug ("UPS", "dhl"), or "other".'
    )
    tracking_number: StrictStr = Field(..., max_length=200)
    carrier_name: StrictStr = Field(
        "", max_length=200, description='The carrier\'s name when `carrier` is "other".'
    )
    lines: list[OrderShipLineIn] | None = Field(
        None, max_length=500, description="The units in this parcel; every unit left if absent."
    )


@router.post(
    "/shops/{shop_id}/orders/{order_id}/ship", response={200: OrderWithShipmentsOut, **ERRORS}
)
def ship(request, shop_id: int, order_id: int, payload: OrderShipIn):
    """Ships every unit left, or the `lines` given, in one parcel. A known carrier's number
    must have its format (422 `invalid_tracking_number`); more than is left to ship is 409
    `exceeds_unshipped`; a number another shop used is 409 `tracking_number_in_use`. The same
    request again (carrier, number, lines) answers the order and ships nothing more."""
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    services.ship_order(
        shop_id=shop_id,
        order_id=order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        carrier_name=payload.carrier_name,
        lines=None if payload.lines is None else [line.dict() for line in payload.lines],
        actor=request.auth,
    )
    return order_body(selectors.order_of_shop(shop_id=shop_id, order_id=order_id))


@router.post("/orders/{order_id}/confirm-delivery", response={200: OrderWithShipmentsOut, **ERRORS})
def confirm_delivery(request, order_id: int):
    """The buyer says a shipped order arrived (another buyer's order is 404): every parcel
    not delivered yet counts as delivered by the buyer."""
    services.confirm_delivery(order_id=order_id, buyer=request.auth)
    return order_body(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


class RefundIn(Schema):
    amount: str = Field(..., max_length=20, description='A decimal string such as "12.50".')
    reason: str = Field("", max_length=300)


class RefundOut(Schema):
    id: int
    order_id: int
    line_id: int
    amount: str
    currency: str
    reason: str
    line_refunded: str = Field(..., description="Refunded of this line so far.")
    line_refundable: str = Field(..., description="Left to refund on this line.")
    created_at: datetime


@router.post(
    "/shops/{shop_id}/orders/{order_id}/lines/{line_id}/refunds",
    response={201: RefundOut, **ERRORS},
)
def refund_line(
    request,
    shop_id: int,
    order_id: int,
    line_id: int,
    payload: RefundIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key"),
):
    """Refunds part or all of one line (shop staff). The same Idempotency-Key is one refund;
    commission on the line is clawed back in proportion."""
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    refund = services.refund_line(
        shop_id=shop_id,
        order_id=order_id,
        line_id=line_id,
        amount=payload.amount,
        actor=request.auth,
        reason=payload.reason,
        key=idempotency_key,
    )
    return Status(201, refund_body(refund))


def refund_body(refund) -> dict:
    line = refund.line
    refunded = services.refunded_amount(line)
    return {
        "id": refund.pk,
        "order_id": line.order_id,
        "line_id": line.pk,
        "amount": format_money(refund.amount),
        "currency": line.order.currency,
        "reason": refund.reason,
        "line_refunded": format_money(refunded),
        "line_refundable": format_money(line.net_total - refunded),
        "created_at": refund.created_at,
    }
