from ninja import Router

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import CancelIn, ErrorOut, OrderListOut, OrderOut, ShipIn
from clipcart.catalog import services as catalog_services
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
