"""Discount codes: shops create them, shoppers apply them to a cart."""

from ninja import Router, Status

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import (
    CartOut,
    DiscountApplyIn,
    DiscountCodeIn,
    DiscountCodeListOut,
    DiscountCodeOut,
    DiscountCodePatchIn,
    ErrorOut,
)
from clipcart.catalog.services import require_shop_staff
from clipcart.checkout import selectors, services
from clipcart.checkout.models import DiscountCode
from clipcart.core.money import format_money

router = Router(tags=["discounts"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _code_body(code: DiscountCode) -> dict:
    return {
        "id": code.pk,
        "shop_id": code.shop_id,
        "code": code.code,
        "kind": code.kind,
        "value": format_money(code.value),
        "currency": code.shop.currency,
        "min_subtotal": format_money(code.min_subtotal) if code.min_subtotal else None,
        "starts_at": code.starts_at.isoformat() if code.starts_at else None,
        "ends_at": code.ends_at.isoformat() if code.ends_at else None,
        "max_uses": code.max_uses,
        "times_used": code.times_used,
        "is_active": code.is_active,
        "created_at": code.created_at.isoformat(),
    }


@router.post("/cart/discounts", response={200: CartOut, **ERRORS})
def apply_code(request, payload: DiscountApplyIn):
    cart = services.get_or_create_cart(user=request.auth)
    services.apply_discount_code(cart=cart, code=payload.code)
    return presenters.cart(selectors.quote_cart(cart))


@router.delete("/cart/discounts/{code}", response={200: CartOut, **ERRORS})
def remove_code(request, code: str):
    cart = services.get_or_create_cart(user=request.auth)
    services.remove_discount_code(cart=cart, code=code)
    return presenters.cart(selectors.quote_cart(cart))


@router.get("/shops/{shop_id}/discount-codes", response={200: DiscountCodeListOut, **ERRORS})
def shop_codes(request, shop_id: int, cursor: str | None = None):
    shop = require_shop_staff(user=request.auth, shop_id=shop_id)
    page = selectors.discount_codes_of_shop(shop=shop, cursor=cursor)
    return {"items": [_code_body(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/shops/{shop_id}/discount-codes", response={201: DiscountCodeOut, **ERRORS})
def create_code(request, shop_id: int, payload: DiscountCodeIn):
    code = services.create_discount_code(user=request.auth, shop_id=shop_id, **payload.dict())
    return Status(201, _code_body(code))


@router.patch(
    "/shops/{shop_id}/discount-codes/{code_id}", response={200: DiscountCodeOut, **ERRORS}
)
def update_code(request, shop_id: int, code_id: int, payload: DiscountCodePatchIn):
    code = services.update_discount_code(
        user=request.auth, shop_id=shop_id, code_id=code_id, is_active=payload.is_active
    )
    return _code_body(code)
