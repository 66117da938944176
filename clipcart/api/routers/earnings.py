"""A creator's earnings: analytics, commissions and their receipts.

The figures are clipcart.affiliate.earnings's (which documents the rows behind each one). A
creator only ever reads their own; a receipt is also open to the shop's staff and operators,
and anyone else is told it does not exist (404)."""

from __future__ import annotations

from datetime import date, datetime

from django.urls import reverse
from ninja import Field, Router, Schema

from clipcart.affiliate import earnings
from clipcart.affiliate.models import Commission
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.core.money import format_money

router = Router(tags=["earnings"], auth=bearer)
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CTR = "Anchor clicks / views; null when there were no views."


# --- Shapes -------------------------------------------------------------------------------------


class PeriodOut(Schema):
    days: int
    first_day: date
    last_day: date = Field(..., description="Today, UTC. Days are UTC days.")


class TotalsOut(Schema):
    views: int
    anchor_clicks: int
    ctr: float | None = Field(..., description=CTR)
    external_clicks: int
    orders: int = Field(..., description="Orders with a commission that is not cancelled.")
    gmv: str = Field(..., description="Net paid for those lines.")
    commission: str = Field(..., description="pending + payable + paid, net of clawbacks.")
    pending: str
    payable: str
    paid: str
    cancelled: int = Field(..., description="Commissions cancelled: they earn nothing.")


class DayOut(Schema):
    date: date
    views: int
    anchor_clicks: int
    ctr: float | None = Field(..., description=CTR)
    external_clicks: int
    orders: int
    gmv: str
    commission: str


class EarningsOut(Schema):
    period: PeriodOut
    currency: str = Field(..., description="The currency of every amount in this answer.")
    currencies: list[str] = Field(..., description="Every currency earned in this period.")
    totals: TotalsOut
    daily: list[DayOut]


class VideoFiguresOut(Schema):
    video_id: int
    kind: str
    caption: str
    poster_url: str | None
    published_at: datetime | None
    views: int
    anchor_clicks: int
    ctr: float | None = Field(..., description=CTR)
    orders: int
    gmv: str
    commission: str
    currency: str


class VideoFiguresListOut(Schema):
    items: list[VideoFiguresOut]
    next_cursor: str | None


class ProductFiguresOut(Schema):
    product_id: int | None = Field(..., description="null for a product deleted since.")
    title: str
    image_url: str | None
    clicks: int = Field(..., description="Anchor clicks, storefront clicks, share-link visits.")
    external_clicks: int
    orders: int
    units: int
    gmv: str
    commission: str
    currency: str


class ProductFiguresListOut(Schema):
    items: list[ProductFiguresOut]
    next_cursor: str | None


class ProductRef(Schema):
    id: int
    title: str


class CommissionOut(Schema):
    id: int
    order_id: int | None
    external_order_ref: str | None
    product: ProductRef | None
    post_id: int | None
    touch_kind: str
    touched_at: datetime
    quantity: int
    rate: str | None = Field(..., description="Percent of the net paid, or null (flat fee).")
    flat_fee: str | None = Field(..., description="Per unit sold, or null (rate).")
    base: str = Field(..., description="Net paid for the line.")
    amount: str
    clawed_back: str
    net: str = Field(..., description="amount − clawed_back; 0 when cancelled.")
    currency: str
    status: str
    status_reason: str
    earned_at: datetime
    payable_at: datetime | None
    paid_at: datetime | None
    receipt_url: str


class CommissionListOut(Schema):
    items: list[CommissionOut]
    next_cursor: str | None


class TermOut(Schema):
    plan_id: int
    plan_name: str
    plan_kind: str
    version: int
    rate: str | None
    flat_fee: str | None
    effective_at: datetime


class LineOut(Schema):
    title: str
    variant_name: str
    quantity: int
    unit_price: str
    line_total: str
    discount: str
    net_paid: str


class ConversionOut(Schema):
    order_ref: str
    amount: str
    currency: str
    occurred_at: datetime


class TouchOut(Schema):
    kind: str
    at: datetime
    post_id: int | None
    window_days: int = Field(..., description="The attribution window this touch was inside.")


class AdjustmentOut(Schema):
    kind: str
    amount: str
    note: str
    created_at: datetime


class RefundOut(Schema):
    amount: str
    created_at: datetime


class ReceiptOut(CommissionOut):
    line: LineOut | None
    conversion: ConversionOut | None
    touch: TouchOut
    term: TermOut
    rounding_rule: str
    adjustments: list[AdjustmentOut]
    refunds: list[RefundOut]
    payable_from: datetime | None = Field(
        ..., description="When pending commission becomes payable; null until delivery."
    )


# --- Presenters ---------------------------------------------------------------------------------


def _money(amount) -> str | None:
    return None if amount is None else format_money(amount)


def _totals(t: earnings.Totals) -> dict:
    return {
        "views": t.views,
        "anchor_clicks": t.anchor_clicks,
        "ctr": t.ctr,
        "external_clicks": t.external_clicks,
        "orders": t.orders,
        "gmv": format_money(t.gmv),
        "commission": format_money(t.commission),
        "pending": format_money(t.pending),
        "payable": format_money(t.payable),
        "paid": format_money(t.paid),
        "cancelled": t.cancelled,
    }


def _day(d: earnings.Day) -> dict:
    return {
        "date": d.day,
        "views": d.views,
        "anchor_clicks": d.anchor_clicks,
        "ctr": d.ctr,
        "external_clicks": d.external_clicks,
        "orders": d.orders,
        "gmv": format_money(d.gmv),
        "commission": format_money(d.commission),
    }


def _video(f: earnings.PostFigures, currency: str) -> dict:
    post = f.post
    return {
        "video_id": post.pk,
        "kind": post.kind,
        "caption": post.caption,
        "poster_url": post.poster.url if post.poster else None,
        "published_at": post.published_at,
        "views": f.views,
        "anchor_clicks": f.anchor_clicks,
        "ctr": f.ctr,
        "orders": f.orders,
        "gmv": format_money(f.gmv),
        "commission": format_money(f.commission),
        "currency": currency,
    }


def _product(f: earnings.ProductFigures, currency: str) -> dict:
    return {
        "product_id": f.product_id,
        "title": f.title,
        "image_url": f.cover_url,
        "clicks": f.clicks,
        "external_clicks": f.external_clicks,
        "orders": f.orders,
        "units": f.units,
        "gmv": format_money(f.gmv),
        "commission": format_money(f.commission),
        "currency": currency,
    }


def _commission(c: Commission) -> dict:
    return {
        "id": c.pk,
        "order_id": c.order_id,
        "external_order_ref": c.conversion.order_ref if c.conversion else None,
        "product": {"id": c.product.pk, "title": c.product.title} if c.product else None,
        "post_id": c.post_id,
        "touch_kind": c.touch_kind,
        "touched_at": c.touched_at,
        "quantity": c.quantity,
        "rate": _money(c.rate),
        "flat_fee": _money(c.flat_fee),
        "base": format_money(c.base),
        "amount": format_money(c.amount),
        "clawed_back": format_money(c.clawed_back),
        "net": format_money(c.net_amount),
        "currency": c.currency,
        "status": c.status,
        "status_reason": c.status_reason,
        "earned_at": c.earned_at,
        "payable_at": c.payable_at,
        "paid_at": c.paid_at,
        "receipt_url": reverse("web:commission_receipt", args=[c.pk]),
    }


def _line(receipt: earnings.Receipt) -> dict | None:
    line = receipt.line
    if line is None:
        return None
    return {
        "title": line.title,
        "variant_name": line.variant_name,
        "quantity": line.quantity,
        "unit_price": format_money(line.unit_price),
        "line_total": format_money(line.line_total),
        "discount": format_money(line.discount),
        "net_paid": format_money(line.net_total),
    }


def _receipt(r: earnings.Receipt) -> dict:
    c, term, conversion = r.commission, r.term, r.conversion
    return {
        **_commission(c),
        "line": _line(r),
        "conversion": None
        if conversion is None
        else {
            "order_ref": conversion.order_ref,
            "amount": format_money(conversion.amount),
            "currency": conversion.currency,
            "occurred_at": conversion.occurred_at,
        },
        "touch": {
            "kind": c.touch_kind,
            "at": c.touched_at,
            "post_id": c.post_id,
            "window_days": r.window.days,
        },
        "term": {
            "plan_id": r.plan.pk,
            "plan_name": r.plan.name,
            "plan_kind": r.plan.kind,
            "version": term.version,
            "rate": _money(term.rate),
            "flat_fee": _money(term.flat_fee),
            "effective_at": term.effective_at,
        },
        "rounding_rule": r.rule,
        "adjustments": [
            {
                "kind": a.kind,
                "amount": format_money(a.amount),
                "note": a.note,
                "created_at": a.created_at,
            }
            for a in r.adjustments
        ],
        "refunds": [
            {"amount": format_money(refund.amount), "created_at": refund.created_at}
            for refund in r.refunds
        ],
        "payable_from": r.payable_from,
    }


# --- Endpoints ----------------------------------------------------------------------------------


@router.get("/me/earnings", response={200: EarningsOut, **ERRORS})
def my_earnings(request, days: int = earnings.DEFAULT_DAYS, currency: str | None = None):
    """Totals over the last 7, 30 or 90 days, and the same figures day by day."""
    period = earnings.period_of(days)
    found = earnings.summary(creator_id=request.auth.pk, period=period, currency=currency)
    return {
        "period": {"days": period.days, "first_day": period.first, "last_day": period.last},
        "currency": found.currency,
        "currencies": found.currencies,
        "totals": _totals(found.totals),
        "daily": [_day(d) for d in found.days],
    }


@router.get("/me/earnings/videos", response={200: VideoFiguresListOut, **ERRORS})
def my_video_earnings(request, currency: str | None = None, cursor: str | None = None):
    """Each live post, newest first, with its figures since it was posted."""
    currency = earnings.currency_for(creator_id=request.auth.pk, requested=currency)
    page = earnings.post_figures(creator_id=request.auth.pk, currency=currency, cursor=cursor)
    return {"items": [_video(f, currency) for f in page.items], "next_cursor": page.next_cursor}


@router.get("/me/earnings/products", response={200: ProductFiguresListOut, **ERRORS})
def my_product_earnings(
    request,
    days: int = earnings.DEFAULT_DAYS,
    currency: str | None = None,
    cursor: str | None = None,
):
    """Every product with clicks or sales in the period, the best earning first."""
    period = earnings.period_of(days)
    currency = earnings.currency_for(creator_id=request.auth.pk, requested=currency, period=period)
    page = earnings.product_figures(
        creator_id=request.auth.pk, period=period, currency=currency, cursor=cursor
    )
    return {"items": [_product(f, currency) for f in page.items], "next_cursor": page.next_cursor}


@router.get("/me/commissions", response={200: CommissionListOut, **ERRORS})
def my_commissions(
    request, status: str | None = None, cursor: str | None = None, size: int = earnings.PAGE_SIZE
):
    """The caller's commissions, newest first; `status` is pending, payable, paid or cancelled;
    `size` is 1 to 100."""
    page = earnings.commission_list(
        creator_id=request.auth.pk, status=status, cursor=cursor, size=size
    )
    return {"items": [_commission(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/commissions/{commission_id}", response={200: ReceiptOut, **ERRORS})
def commission_receipt(request, commission_id: int):
    """The attribution receipt: for its creator, the shop's staff and operators; else 404."""
    return _receipt(earnings.receipt(user=request.auth, commission_id=commission_id))
