"""Fulfillment settings of a shop (calendar, handling, capacity, viral mode), its vacations,
dispatch metrics, pre-orders and shoppers' waitlists. Another shop's ids answer 404."""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema, Status
from pydantic import StrictInt, StrictStr

from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.catalog.models import Shop
from clipcart.core.errors import InvalidInput
from clipcart.core.pagination import DEFAULT_PAGE_SIZE
from clipcart.fulfillment import clock, selectors, services
from clipcart.fulfillment.models import ShopVacation, WaitlistEntry

router = Router(tags=["fulfillment"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ShipDayOut(Schema):
    day: str
    booked: int
    capacity: int | None


class MetricsOut(Schema):
    days: int
    orders: int
    late: int
    late_rate: float = Field(..., description="late / orders over the period, 0 to 1.")
    auto_cancelled: int


class FulfillmentOut(Schema):
    shop_id: int
    time_zone: str
    country: str
    handling_days: int
    daily_capacity: int | None
    backlog_limit_days: int
    past_limit: str = Field(..., description="waitlist or preorder")
    today: str = Field(..., description="The shop's local date.")
    ship_days: list[ShipDayOut]
    metrics: MetricsOut


class FulfillmentPatchIn(Schema):
    time_zone: StrictStr | None = None
    country: StrictStr | None = None
    handling_days: StrictInt | None = None
    daily_capacity: StrictInt | None = Field(
        None, description="Orders a day; send null to remove the limit."
    )
    backlog_limit_days: StrictInt | None = None
    past_limit: StrictStr | None = None


class VacationIn(Schema):
    start: StrictStr
    end: StrictStr
    note: StrictStr = Field("", max_length=1000)


class VacationOut(Schema):
    id: int
    start: str
    end: str
    note: str


class VacationListOut(Schema):
    items: list[VacationOut]
    next_cursor: str | None


class PreorderIn(Schema):
    ships_on: StrictStr
    units: StrictInt


class PreorderOut(Schema):
    product_id: int
    handling_kind: str
    ships_on: str | None
    preorder_units: int | None


class WaitlistOut(Schema):
    product_id: int
    joined_at: str
    notified: bool


def _settings(shop: Shop) -> dict[str, Any]:
    calendar = clock.calendar_of(shop)
    metrics = selectors.dispatch_metrics(shop=shop)
    return {
        "shop_id": shop.pk,
        "time_zone": shop.time_zone,
        "country": shop.country,
        "handling_days": shop.handling_days,
        "daily_capacity": shop.daily_capacity,
        "backlog_limit_days": shop.backlog_limit_days,
        "past_limit": shop.past_limit,
        "today": calendar.local_date().isoformat(),
        "ship_days": [
            {"day": d.day.isoformat(), "booked": d.booked, "capacity": d.capacity}
            for d in selectors.upcoming_ship_days(shop, calendar=calendar)
        ],
        "metrics": {
            "days": metrics.days,
            "orders": metrics.orders,
            "late": metrics.late,
            "late_rate": round(metrics.late_rate, 4),
            "auto_cancelled": metrics.auto_cancelled,
        },
    }


def _vacation(v: ShopVacation) -> dict[str, Any]:
    return {"id": v.pk, "start": v.start.isoformat(), "end": v.end.isoformat(), "note": v.note}


@router.get("/shops/{shop_id}/fulfillment", response={200: FulfillmentOut, **ERRORS})
def get_settings(request, shop_id: int):
    return _settings(services.staff_shop(user=request.auth, shop_id=shop_id))


@router.patch("/shops/{shop_id}/fulfillment", response={200: FulfillmentOut, **ERRORS})
def patch_settings(request, shop_id: int, payload: FulfillmentPatchIn):
    shop = services.staff_shop(user=request.auth, shop_id=shop_id)
    sent = payload.dict(exclude_unset=True)
    for name in ("time_zone", "country", "handling_days", "backlog_limit_days", "past_limit"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be null.", field=name)
    shop = services.update_settings(shop=shop, **sent)
    return _settings(shop)


@router.get("/shops/{shop_id}/fulfillment/vacations", response={200: VacationListOut, **ERRORS})
def list_vacations(request, shop_id: int, cursor: str | None = None, limit: int = 50):
    shop = services.staff_shop(user=request.auth, shop_id=shop_id)
    page = selectors.vacation_page(
        shop=shop, cursor=cursor, size=max(1, min(limit, DEFAULT_PAGE_SIZE * 4))
    )
    return {"items": [_vacation(v) for v in page.items], "next_cursor": page.next_cursor}


@router.post("/shops/{shop_id}/fulfillment/vacations", response={201: VacationOut, **ERRORS})
def add_vacation(request, shop_id: int, payload: VacationIn):
    shop = services.staff_shop(user=request.auth, shop_id=shop_id)
    vacation = services.add_vacation(
        shop=shop, start=payload.start, end=payload.end, note=payload.note
    )
    return Status(201, _vacation(vacation))


@router.delete(
    "/shops/{shop_id}/fulfillment/vacations/{vacation_id}", response={204: None, **ERRORS}
)
def remove_vacation(request, shop_id: int, vacation_id: int):
    shop = services.staff_shop(user=request.auth, shop_id=shop_id)
    services.remove_vacation(shop=shop, vacation_id=vacation_id)
    return Status(204, None)


@router.post(
    "/shops/{shop_id}/products/{product_id}/preorder", response={200: PreorderOut, **ERRORS}
)
def start_preorder(request, shop_id: int, product_id: int, payload: PreorderIn):
    shop = services.staff_shop(user=request.auth, shop_id=shop_id)
    product = services.start_preorder(
        shop=shop, product_id=product_id, ships_on=payload.ships_on, units=payload.units
    )
    return {
        "product_id": product.pk,
        "handling_kind": product.handling_kind,
        "ships_on": product.ships_on.isoformat() if product.ships_on else None,
        "preorder_units": product.preorder_units,
    }


def _entry(entry: WaitlistEntry) -> dict[str, Any]:
    return {
        "product_id": entry.product_id,
        "joined_at": entry.created_at.isoformat(),
        "notified": entry.notified_at is not None,
    }


@router.post("/products/{product_id}/waitlist", response={201: WaitlistOut, **ERRORS})
def join_waitlist(request, product_id: int):
    entry = services.join_waitlist(user=request.auth, product_id=product_id)
    return Status(201, _entry(entry))


@router.delete("/products/{product_id}/waitlist", response={204: None, **ERRORS})
def leave_waitlist(request, product_id: int):
    services.leave_waitlist(user=request.auth, product_id=product_id)
    return Status(204, None)
