"""Conversions reported back by external stores (signed postbacks), and the shop's secret that
signs them."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import Header, Router, Schema, Status

from clipcart.affiliate.services import postbacks as postback_services
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.core.money import format_money

router = Router(tags=["postbacks"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PostbackIn(Schema):
    """What the other store sends, as JSON; the raw body is what the signature covers."""

    click: str  # the clipcart_click parameter the shopper arrived with
    order_ref: str
    amount: str  # what was paid for the product: a decimal string, "59.90"
    currency: str
    occurred_at: datetime


class NoCommissionOut(Schema):
    code: str  # own_shop, before_click, outside_window, no_term
    message: str


class PostbackCommissionOut(Schema):
    id: int
    status: str
    rate: str | None
    flat_fee: str | None
    base: str
    amount: str
    currency: str


class ConversionOut(Schema):
    id: int
    order_ref: str
    amount: str
    currency: str
    occurred_at: datetime
    commission: PostbackCommissionOut | None
    reason: NoCommissionOut | None


class PostbackKeyOut(Schema):
    shop_id: int
    secret: str
    created_at: datetime
    endpoint: str
    signature_header: str


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": PostbackIn.model_json_schema()}},
    }
}


def _commission(recorded: postback_services.Recorded) -> dict | None:
    commission = recorded.commission
    if commission is None:
        return None
    return {
        "id": commission.pk,
        "status": commission.status,
        "rate": None if commission.rate is None else f"{commission.rate}",
        "flat_fee": None if commission.flat_fee is None else format_money(commission.flat_fee),
        "base": format_money(commission.base),
        "amount": format_money(commission.amount),
        "currency": commission.currency,
    }


def _conversion(recorded: postback_services.Recorded) -> dict:
    conversion, reason = recorded.conversion, recorded.reason
    return {
        "id": conversion.pk,
        "order_ref": conversion.order_ref,
        "amount": format_money(conversion.amount),
        "currency": conversion.currency,
        "occurred_at": conversion.occurred_at,
        "commission": _commission(recorded),
        "reason": None if reason is None else {"code": reason.code, "message": reason.message},
    }


@router.post(
    "/affiliate/postbacks",
    response={200: ConversionOut, 201: ConversionOut, 400: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=None,  # the signature is the authentication
    url_name="affiliate_postback",
    openapi_extra=_BODY_DOC,
    summary="Report a sale of an external product (signed)",
)
def postback(
    request, signature: str = Header("", alias=postback_services.SIGNATURE_HEADER)
) -> Status:
    """Header `Clipcart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"
    under the shop's secret>`. 201 when recorded; 200 with the first answer when this
    `order_ref` was reported before; 400 `bad_signature` or `signature_expired` (t more than
    5 minutes away); 409 `order_ref_reused` for the same order_ref with other details."""
    recorded = postback_services.record_conversion(raw_body=request.body, signature=signature)
    return Status(201 if recorded.created else 200, _conversion(recorded))


def _key(request, key) -> dict:
    return {
        "shop_id": key.shop_id,
        "secret": key.secret,
        "created_at": key.created_at,
        "endpoint": request.build_absolute_uri(reverse("api:affiliate_postback")),
        "signature_header": postback_services.SIGNATURE_HEADER,
    }


@router.get(
    "/shops/{shop_id}/affiliate/postback-key", response={200: PostbackKeyOut, **ERRORS}, auth=bearer
)
def postback_key(request, shop_id: int):
    """The shop's postback secret (made on first use). Shop staff only."""
    key = postback_services.postback_secret(user=request.auth, shop_id=shop_id)
    return _key(request, key)


@router.post(
    "/shops/{shop_id}/affiliate/postback-key", response={201: PostbackKeyOut, **ERRORS}, auth=bearer
)
def rotate_postback_key(request, shop_id: int):
    """A new secret for the shop; the old one stops verifying at once. Shop staff only."""
    key = postback_services.postback_secret(user=request.auth, shop_id=shop_id, rotate=True)
    return Status(201, _key(request, key))
