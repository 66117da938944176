from datetime import datetime

from ninja import Field, Header, Router, Schema, Status

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import CancelIn, ErrorOut, OrderListOut, OrderOut, ShipIn
from clipcart.catalog import services as catalog_services
from clipcart.core.money import format_money
from clipcart.orders import selectors, services

router = Router(tags=["orders"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/orders", response={200: OrderListOut, 422: ErrorOut})
def my_orders(request, cursor: str | None = None):
    page = selectors.orders_of_buyer(buyer=request.auth, cursor=cursor)
    return {"items": [presenters.order(o) for o in page.items], "next_cursor": page.next_cursor}


@router.get("/orders/{order_id}", response={200: OrderOut, 404: ErrorOut})
def my_order(request, order_id: int):
    return presenters.order(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel_my_order(request, order_id: int, payload: CancelIn):
    selectors.order_of_buyer(buyer=request.auth, order_id=order_id)
    services.cancel_order(order_id=order_id, actor=request.auth, reason=payload.reason)
    return presenters.order(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


@router.get("/shops/{shop_id}/orders", response={200: OrderListOut, **ERRORS})
def shop_orders(request, shop_id: int, status: str = "", cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    page = selectors.orders_of_shop(shop_id=shop_id, status=status, cursor=cursor)
    return {"items": [presenters.order(o) for o in page.items], "next_cursor": page.next_cursor}


@router.post("/shops/{shop_id}/orders/{order_id}/ship", response={200: OrderOut, **ERRORS})
def ship(request, shop_id: int, order_id: int, payload: ShipIn):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    services.ship_order(
        shop_id=shop_id,
        order_id=order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        actor=request.auth,
    )
    return presenters.order(selectors.order_of_shop(shop_id=shop_id, order_id=order_id))


@router.post("/orders/{order_id}/confirm-delivery", response={200: OrderOut, **ERRORS})
def confirm_delivery(request, order_id: int):
    """The buyer says a shipped order arrived (another buyer's order is 404)."""
    services.confirm_delivery(order_id=order_id, buyer=request.auth)
    return presenters.order(selectors.order_of_buyer(buyer=request.auth, order_id=order_id))


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
