import json

from ninja import Header, Router, Status

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import (
    CartItemIn,
    CartLinePatchIn,
    CartOut,
    CheckoutIn,
    CheckoutOut,
    ErrorOut,
)
from clipcart.checkout import selectors, services

router = Router(tags=["cart and checkout"], auth=bearer)
ERRORS = {401: ErrorOut, 402: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _cart_body(cart) -> dict:
    return presenters.cart(selectors.quote_cart(cart))


@router.get("/cart", response=CartOut)
def get_cart(request):
    return presenters.cart(selectors.quote_cart(selectors.cart_for(user=request.auth)))


@router.post("/cart/items", response={201: CartOut, **ERRORS})
def add_to_cart(request, payload: CartItemIn):
    cart = services.get_or_create_cart(user=request.auth)
    services.add_item(
        cart=cart, variant_id=payload.variant_id, quantity=payload.quantity, ref=payload.ref
    )
    return Status(201, _cart_body(cart))


@router.patch("/cart/items/{line_id}", response={200: CartOut, **ERRORS})
def change_quantity(request, line_id: int, payload: CartLinePatchIn):
    cart = services.get_or_create_cart(user=request.auth)
    services.set_line_quantity(cart=cart, line_id=line_id, quantity=payload.quantity)
    return _cart_body(cart)


@router.delete("/cart/items/{line_id}", response={200: CartOut, **ERRORS})
def remove_from_cart(request, line_id: int):
    cart = services.get_or_create_cart(user=request.auth)
    services.remove_line(cart=cart, line_id=line_id)
    return _cart_body(cart)


def _shown_ships_by(request) -> object:
    """The optional `ships_by` of the body ({shop_id: "YYYY-MM-DD"}): the dates the buyer was
    shown, which checkout keeps or refuses with 409 ships_by_changed."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body.get("ships_by") if isinstance(body, dict) else None


@router.post("/checkout", response={201: CheckoutOut, **ERRORS})
def checkout(
    request,
    payload: CheckoutIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    cart = services.get_or_create_cart(user=request.auth)
    shown = _shown_ships_by(request)
    result = services.checkout(
        buyer=request.auth,
        cart=cart,
        shipping_address=payload.shipping_address.dict(),
        payment=payload.payment.dict(),
        idempotency_key=idempotency_key,
        request_body={**payload.dict(), "ships_by": shown},
        shown_ships_by=shown,
    )
    return Status(result.status, result.body)
