"""Returns: the buyer asks (multipart, with photos), ships back, or withdraws; the shop
approves, rejects, receives and refunds. Another buyer's return, or another shop's, is 404."""

from __future__ import annotations

import json
from datetime import date, datetime

from ninja import Field, File, Form, Header, Router, Schema, Status
from ninja.files import UploadedFile

from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.catalog import services as catalog_services
from clipcart.core.errors import InvalidInput
from clipcart.core.money import format_money
from clipcart.returns import selectors, services

router = Router(tags=["returns"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


class ReturnLineOut(Schema):
    line_id: int = Field(..., description="The order line.")
    title: str
    variant_name: str
    quantity: int
    restock: bool
    restocked: bool
    refunded: str | None = Field(..., description="What this return refunded for the line.")


class ReturnPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ReturnEventOut(Schema):
    kind: str
    status: str
    actor: str | None
    note: str
    at: datetime


class ReturnOut(Schema):
    id: int
    order_id: int
    shop_id: int
    status: str
    reason: str
    details: str
    lines: list[ReturnLineOut]
    photos: list[ReturnPhotoOut]
    answer_due: date
    auto_approved: bool
    refund_without_return: bool
    rejection_reason: str
    carrier: str
    tracking_number: str
    refund_total: str
    currency: str
    created_at: datetime
    events: list[ReturnEventOut]


class ReturnListOut(Schema):
    items: list[ReturnOut]
    next_cursor: str | None


class ShipmentIn(Schema):
    carrier: str = Field(..., max_length=40)
    tracking_number: str = Field(..., max_length=40)


class ApproveIn(Schema):
    refund_without_return: bool = False


class RejectIn(Schema):
    reason: str = Field(..., max_length=300)


class ReceiveIn(Schema):
    restock_line_ids: list[int] = Field(
        default_factory=list, description="Order lines whose units are resellable."
    )


class RefundIn(Schema):
    amounts: dict[str, str] | None = Field(
        None, description='{order line id: "12.50"}; lines left out get the default.'
    )
    reason: str = Field("", max_length=300)
    key: str | None = Field(None, max_length=120, description="Or the Idempotency-Key header.")


def return_body(ret) -> dict:
    refunds = {line.order_line_id: line.refund for line in ret.lines.all()}
    return {
        "id": ret.pk,
        "order_id": ret.order_id,
        "shop_id": ret.shop_id,
        "status": ret.status,
        "reason": ret.reason,
        "details": ret.details,
        "lines": [
            {
                "line_id": line.order_line_id,
                "title": line.order_line.title,
                "variant_name": line.order_line.variant_name,
                "quantity": line.quantity,
                "restock": line.restock,
                "restocked": line.restocked_at is not None,
                "refunded": format_money(r.amount) if (r := refunds[line.order_line_id]) else None,
            }
            for line in ret.lines.all()
        ],
        "photos": [
            {"id": p.pk, "url": p.image.url, "width": p.width, "height": p.height}
            for p in ret.photos.all()
        ],
        "answer_due": ret.answer_due,
        "auto_approved": ret.auto_approved,
        "refund_without_return": ret.refund_without_return,
        "rejection_reason": ret.rejection_reason,
        "carrier": ret.carrier,
        "tracking_number": ret.tracking_number,
        "refund_total": format_money(ret.refund_total),
        "currency": ret.currency,
        "created_at": ret.created_at,
        "events": [
            {
                "kind": e.kind,
                "status": e.status,
                "actor": e.actor.username if e.actor else None,
                "note": e.note,
                "at": e.created_at,
            }
            for e in ret.events.all()
        ],
    }


def _lines(raw: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        raise InvalidInput(
            'Lines are JSON: [{"line_id": 1, "quantity": 1}].', field="lines"
        ) from None


# --- Buyer -------------------------------------------------------------------------------------


@router.post("/orders/{order_id}/returns", response={201: ReturnOut, **ERRORS})
def request_return(
    request,
    order_id: int,
    reason: str = Form(..., description="changed_mind, wrong_size, not_as_described, …"),
    lines: str = Form(..., description='JSON: [{"line_id": 1, "quantity": 1}]'),
    details: str = Form(""),
    photos: list[UploadedFile] | None = File(None),  # noqa: B008 (ninja's way to declare it)
):
    """Multipart: `reason`, `lines` (JSON), `details`, and 0–6 `photos` (JPEG, PNG or WebP, at
    most 10 MB each; required for damaged or defective)."""
    ret = services.request_return(
        buyer=request.auth,
        order_id=order_id,
        lines=_lines(lines),
        reason=reason,
        details=details,
        photo_files=request.FILES.getlist("photos"),
    )
    return Status(201, return_body(selectors.return_of_buyer(buyer=request.auth, return_id=ret.pk)))


@router.get("/returns", response={200: ReturnListOut, 422: ErrorOut})
def my_returns(request, cursor: str | None = None):
    page = selectors.returns_of_buyer(buyer=request.auth, cursor=cursor)
    return {"items": [return_body(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/returns/{return_id}", response={200: ReturnOut, 404: ErrorOut})
def my_return(request, return_id: int):
    return return_body(selectors.return_of_buyer(buyer=request.auth, return_id=return_id))


@router.post("/returns/{return_id}/shipment", response={200: ReturnOut, **ERRORS})
def ship_back(request, return_id: int, payload: ShipmentIn):
    services.ship_back(
        buyer=request.auth,
        return_id=return_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return return_body(selectors.return_of_buyer(buyer=request.auth, return_id=return_id))


@router.post("/returns/{return_id}/cancel", response={200: ReturnOut, **ERRORS})
def cancel(request, return_id: int):
    services.cancel_return(buyer=request.auth, return_id=return_id)
    return return_body(selectors.return_of_buyer(buyer=request.auth, return_id=return_id))


# --- Shop --------------------------------------------------------------------------------------


def _shop_return(shop_id: int, return_id: int) -> dict:
    return return_body(selectors.return_of_shop(shop_id=shop_id, return_id=return_id))


@router.get("/shops/{shop_id}/returns", response={200: ReturnListOut, **ERRORS})
def shop_returns(request, shop_id: int, status: str = "", cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    page = selectors.returns_of_shop(shop_id=shop_id, status=status, cursor=cursor)
    return {"items": [return_body(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/returns/{return_id}", response={200: ReturnOut, **ERRORS})
def shop_return(request, shop_id: int, return_id: int):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    return _shop_return(shop_id, return_id)


@router.post("/shops/{shop_id}/returns/{return_id}/approve", response={200: ReturnOut, **ERRORS})
def approve(request, shop_id: int, return_id: int, payload: ApproveIn | None = None):
    services.approve_return(
        user=request.auth,
        shop_id=shop_id,
        return_id=return_id,
        refund_without_return=bool(payload and payload.refund_without_return),
    )
    return _shop_return(shop_id, return_id)


@router.post("/shops/{shop_id}/returns/{return_id}/reject", response={200: ReturnOut, **ERRORS})
def reject(request, shop_id: int, return_id: int, payload: RejectIn):
    services.reject_return(
        user=request.auth, shop_id=shop_id, return_id=return_id, reason=payload.reason
    )
    return _shop_return(shop_id, return_id)


@router.post("/shops/{shop_id}/returns/{return_id}/receive", response={200: ReturnOut, **ERRORS})
def receive(request, shop_id: int, return_id: int, payload: ReceiveIn | None = None):
    services.receive_return(
        user=request.auth,
        shop_id=shop_id,
        return_id=return_id,
        restock_line_ids=payload.restock_line_ids if payload else [],
    )
    return _shop_return(shop_id, return_id)


@router.post("/shops/{shop_id}/returns/{return_id}/refund", response={200: ReturnOut, **ERRORS})
def refund(
    request,
    shop_id: int,
    return_id: int,
    payload: RefundIn | None = None,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Refunds the return's lines through the order's refunds and the payment gateway. The
    same key (Idempotency-Key header or `key`) is one refund."""
    payload = payload or RefundIn(amounts=None, reason="", key=None)
    services.refund_return(
        user=request.auth,
        shop_id=shop_id,
        return_id=return_id,
        amounts=payload.amounts,
        reason=payload.reason,
        key=idempotency_key or payload.key,
    )
    return _shop_return(shop_id, return_id)
