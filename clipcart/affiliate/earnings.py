"""Reads behind a creator's earnings studio and the attribution receipt of each commission.

Every figure is a count or a sum of rows a reader can open, in a fixed number of queries
whatever the number of rows:
- views: the roll-up's CreatorDay rows (per post: PostStats);
- anchor clicks and external clicks: Touch rows of that kind, by the UTC day of `first_at`. A
  shopper tapping again within the de-duplication window is the same row, so it counts once;
- orders, GMV and commission: Commission rows, by the UTC day of `earned_at`. A cancelled
  commission is not a sale: it adds nothing to orders, GMV or commission (the list and the
  export still show it, with its reason). Commission is net of clawbacks;
- money is summed per currency: a creator paid by shops in two currencies reads one at a time.

Days are UTC days, like the roll-up's; a period of N days is today and the N − 1 days before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.money import CENT, parse_currency
from clipcart.core.pagination import Page, decode_cursor, encode_cursor, paginate_by_pk
from clipcart.feed import pages as feed_pages
from clipcart.media import selectors as media_selectors

from .models import Commission, CommissionAdjustment, ExternalConversion, Plan, Term, Touch
from .services.commissions import attribution_windows

if TYPE_CHECKING:
    from clipcart.media.models import Post

C = Commission.Status
K = Touch.Kind
ZERO = Decimal("0.00")
PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
PAGE_SIZE = 20
# A cancelled commission is kept for the record but is neither a sale nor money owed.
COUNTS = ~Q(status=C.CANCELLED)
NET = F("amount") - F("clawed_back")
CLICK_KINDS = [K.ANCHOR_CLICK, K.STOREFRONT_CLICK, K.SHARE_VISIT]
ROUNDING_RULE = "net paid × rate, rounded once to the cent, half up"
FLAT_FEE_RULE = "fee × units sold, never more than the net paid"


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    days: int
    first: date
    last: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def period_of(raw: object = None, *, today: date | None = None) -> Period:
    """7, 30 or 90 days ending today (UTC), from a query parameter; 30 days when not given."""
    days = DEFAULT_DAYS
    if raw not in (None, ""):
        text = str(raw).strip()
        if not text.isdigit() or int(text) not in PERIODS:
            raise InvalidInput("The period is 7, 30 or 90 days.", code="bad_period", field="days")
        days = int(text)
    last = today or timezone.now().astimezone(UTC).date()
    return Period(days=days, first=last - timedelta(days=days - 1), last=last)


def check_status(raw: str | None) -> str | None:
    """A commission status to filter by, or None for all."""
    if not raw:
        return None
    if raw not in C.values:
        raise InvalidInput(
            "The status is pending, payable, paid or cancelled.", code="bad_status", field="status"
        )
    return raw


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as "—", not 0%)."""
    return part / whole if whole else None


class ClickThrough:
    """CTR = anchor clicks / views, for figures that have both."""

    anchor_clicks: int
    views: int

    @property
    def ctr(self) -> float | None:
        return ratio(self.anchor_clicks, self.views)

    @property
    def ctr_percent(self) -> float | None:
        ctr = self.ctr
        return None if ctr is None else ctr * 100


def _money(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floats: back to cents, exact for amounts stored with two places.
    return Decimal(value or 0).quantize(CENT)


# --- Currency -----------------------------------------------------------------------------------


def currencies_of(*, creator_id: int, period: Period | None = None) -> list[str]:
    """The currencies the creator earned in during the period (or ever), sorted."""
    rows = Commission.objects.filter(creator_id=creator_id)
    if period is not None:
        rows = rows.filter(earned_at__gte=period.since)
    return sorted(set(rows.values_list("currency", flat=True).distinct()))


def pick_currency(requested: str | None, *, earned_in: list[str]) -> str:
    """The currency money figures are read in: the one asked for, else the instance's own when
    the creator earned in it (or earned nothing), else the first they earned in."""
    if requested:
        return parse_currency(requested)
    if settings.CLIPCART_CURRENCY in earned_in or not earned_in:
        return settings.CLIPCART_CURRENCY
    return earned_in[0]


def currency_for(*, creator_id: int, requested: str | None, period: Period | None = None) -> str:
    """pick_currency among what the creator earned in during the period (or ever)."""
    if requested:
        return parse_currency(requested)
    return pick_currency(None, earned_in=currencies_of(creator_id=creator_id, period=period))


# --- Summary: totals and the daily series -------------------------------------------------------


@dataclass(frozen=True)
class Day(ClickThrough):
    day: date
    views: int = 0
    anchor_clicks: int = 0
    external_clicks: int = 0
    orders: int = 0
    gmv: Decimal = ZERO
    commission: Decimal = ZERO


@dataclass(frozen=True)
class Totals(ClickThrough):
    views: int
    anchor_clicks: int
    external_clicks: int
    orders: int
    gmv: Decimal
    pending: Decimal
    payable: Decimal
    paid: Decimal
    cancelled: int  # commissions cancelled in the period, each with its reason in the list

    @property
    def commission(self) -> Decimal:
        return self.pending + self.payable + self.paid


@dataclass(frozen=True)
class Summary:
    period: Period
    currency: str
    currencies: list[str]  # every currency earned in during the period
    totals: Totals
    days: list[Day]

    @property
    def is_empty(self) -> bool:
        t = self.totals
        return not (t.views or t.anchor_clicks or t.external_clicks or t.orders or t.cancelled)


def _commissions(creator_id: int, period: Period, currency: str) -> QuerySet[Commission]:
    return Commission.objects.filter(
        creator_id=creator_id, earned_at__gte=period.since, currency=currency
    )


def _sales() -> dict:
    """Aggregates of commission rows: an order is an order of this shop's (or an external
    store's reported conversion); cancelled rows count in none of them."""
    return {
        "orders": Count("order", distinct=True, filter=COUNTS) + Count("conversion", filter=COUNTS),
        "gmv": Sum("base", filter=COUNTS),
        "commission": Sum(NET, filter=COUNTS),
    }


@dataclass(frozen=True)
class Sales:
    orders: int = 0
    gmv: Decimal = ZERO
    commission: Decimal = ZERO  # net of clawbacks

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Sales:
        return cls(row["orders"] or 0, _money(row["gmv"]), _money(row["commission"]))


NO_SALES = Sales()


def _sales_by(key: str, rows: Iterable[Mapping[str, Any]]) -> dict[Any, Sales]:
    return {row[key]: Sales.of(row) for row in rows}


def _touches_by_day(creator_id: int, period: Period) -> dict[tuple[date, str], int]:
    rows = (
        Touch.objects.filter(
            creator_id=creator_id,
            first_at__gte=period.since,
            kind__in=[K.ANCHOR_CLICK, K.EXTERNAL_CLICK],
        )
        .annotate(day=TruncDate("first_at", tzinfo=UTC))
        .values("day", "kind")
        .annotate(count=Count("pk"))
    )
    return {(row["day"], row["kind"]): row["count"] for row in rows}


def _sales_by_day(creator_id: int, period: Period, currency: str) -> dict[date, Sales]:
    rows = (
        _commissions(creator_id, period, currency)
        .annotate(day=TruncDate("earned_at", tzinfo=UTC))
        .values("day")
        .annotate(**_sales())
    )
    return _sales_by("day", rows)


def _totals(creator_id: int, period: Period, currency: str, days: list[Day]) -> Totals:
    money = _commissions(creator_id, period, currency).aggregate(
        **_sales(),
        pending=Sum(NET, filter=Q(status=C.PENDING)),
        payable=Sum(NET, filter=Q(status=C.PAYABLE)),
        paid=Sum(NET, filter=Q(status=C.PAID)),
        cancelled=Count("pk", filter=Q(status=C.CANCELLED)),
    )
    sales = Sales.of(money)
    return Totals(
        views=sum(d.views for d in days),
        anchor_clicks=sum(d.anchor_clicks for d in days),
        external_clicks=sum(d.external_clicks for d in days),
        orders=sales.orders,
        gmv=sales.gmv,
        pending=_money(money["pending"]),
        payable=_money(money["payable"]),
        paid=_money(money["paid"]),
        cancelled=money["cancelled"] or 0,
    )


def summary(*, creator_id: int, period: Period, currency: str | None = None) -> Summary:
    """The creator's totals over the period and the same figures day by day (five queries)."""
    earned_in = currencies_of(creator_id=creator_id, period=period)
    currency = pick_currency(currency, earned_in=earned_in)
    views = dict(
        feed_pages.creator_views_by_day(creator_id=creator_id, first=period.first, last=period.last)
    )
    touches = _touches_by_day(creator_id, period)
    sales = _sales_by_day(creator_id, period, currency)
    days = [
        Day(
            day=day,
            views=views.get(day, 0),
            anchor_clicks=touches.get((day, K.ANCHOR_CLICK), 0),
            external_clicks=touches.get((day, K.EXTERNAL_CLICK), 0),
            orders=sales.get(day, NO_SALES).orders,
            gmv=sales.get(day, NO_SALES).gmv,
            commission=sales.get(day, NO_SALES).commission,
        )
        for day in period.dates
    ]
    return Summary(
        period=period,
        currency=currency,
        currencies=earned_in,
        totals=_totals(creator_id, period, currency, days),
        days=days,
    )


# --- Per post -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFigures(ClickThrough):
    """A post's figures since it was posted: its views are the roll-up's lifetime counter, so
    clicks and sales are over the same lifetime (a ratio of two periods would be meaningless)."""

    post: Post  # with its images prefetched
    views: int
    anchor_clicks: int
    orders: int
    gmv: Decimal
    commission: Decimal


def post_figures(
    *, creator_id: int, currency: str, cursor: str | None = None, size: int = PAGE_SIZE
) -> Page[PostFigures]:
    """The creator's live posts, newest first, with views, anchor clicks and sales of each
    (five queries)."""
    page = media_selectors.creator_posts(creator_id=creator_id, cursor=cursor, size=size)
    posts = feed_pages.attach_views(page.items)
    ids = [post.pk for post in posts]
    clicks = dict(
        Touch.objects.filter(creator_id=creator_id, kind=K.ANCHOR_CLICK, post_id__in=ids)
        .values("post_id")
        .annotate(count=Count("pk"))
        .values_list("post_id", "count")
    )
    sales = _sales_by(
        "post_id",
        Commission.objects.filter(creator_id=creator_id, currency=currency, post_id__in=ids)
        .values("post_id")
        .annotate(**_sales()),
    )
    items = [
        PostFigures(
            post=post,
            views=post.views,  # type: ignore[attr-defined]  # set by attach_views
            anchor_clicks=clicks.get(post.pk, 0),
            orders=sales.get(post.pk, NO_SALES).orders,
            gmv=sales.get(post.pk, NO_SALES).gmv,
            commission=sales.get(post.pk, NO_SALES).commission,
        )
        for post in posts
    ]
    return Page(items=items, next_cursor=page.next_cursor)


# --- Per product --------------------------------------------------------------------------------


@dataclass
class ProductFigures:
    product_id: int | None  # None: sales of products deleted since
    title: str
    clicks: int = 0  # anchor clicks, storefront clicks and share-link visits
    external_clicks: int = 0  # clicks out to another store (external products)
    orders: int = 0
    units: int = 0
    gmv: Decimal = ZERO
    commission: Decimal = ZERO
    cover_url: str | None = None

    @property
    def sort_key(self) -> tuple:
        return (-self.commission, -self.gmv, -(self.clicks + self.external_clicks), self.title)


def _product_touches(creator_id: int, period: Period) -> QuerySet:
    return (
        Touch.objects.filter(creator_id=creator_id, first_at__gte=period.since)
        .exclude(kind=K.VIEW_COMPLETE)
        .values("product_id", "product__title")
        .annotate(
            clicks=Count("pk", filter=Q(kind__in=CLICK_KINDS)),
            external=Count("pk", filter=Q(kind=K.EXTERNAL_CLICK)),
        )
    )


def _product_sales(creator_id: int, period: Period, currency: str) -> QuerySet:
    return (
        _commissions(creator_id, period, currency)
        .values("product_id", "product__title")
        .annotate(**_sales(), units=Sum("quantity", filter=COUNTS))
    )


def product_figures(
    *,
    creator_id: int,
    period: Period,
    currency: str,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page[ProductFigures]:
    """Every product the creator drove clicks or sales to in the period, the best earning
    first (three queries; pages are offsets into that order)."""
    found: dict[int | None, ProductFigures] = {}

    def entry(row: dict) -> ProductFigures:
        title = row["product__title"] or "A product no longer listed"
        return found.setdefault(row["product_id"], ProductFigures(row["product_id"], title))

    for row in _product_touches(creator_id, period):
        figures = entry(row)
        figures.clicks, figures.external_clicks = row["clicks"], row["external"]
    for row in _product_sales(creator_id, period, currency):
        figures = entry(row)
        sales = Sales.of(row)
        figures.orders, figures.gmv, figures.commission = sales.orders, sales.gmv, sales.commission
        figures.units = row["units"] or 0
    ranked = sorted(found.values(), key=lambda f: f.sort_key)
    start = decode_cursor(cursor, kind="offset") if cursor else 0
    shown = ranked[start : start + size]
    covers = catalog_selectors.cover_images(f.product_id for f in shown if f.product_id)
    for figures in shown:
        cover = covers.get(figures.product_id or 0)
        figures.cover_url = cover.url if cover else None
    more = start + size < len(ranked)
    return Page(
        items=shown, next_cursor=encode_cursor(start + size, kind="offset") if more else None
    )


# --- Commissions: the list, the export ----------------------------------------------------------


def commission_list(
    *, creator_id: int, status: str | None = None, cursor: str | None = None, size: int = PAGE_SIZE
) -> Page[Commission]:
    """The creator's commissions, newest first, of one status or all (one query)."""
    rows = Commission.objects.filter(creator_id=creator_id).select_related("product", "conversion")
    status = check_status(status)
    if status:
        rows = rows.filter(status=status)
    return paginate_by_pk(rows, cursor=cursor, size=size)


def status_counts(*, creator_id: int) -> dict[str, int]:
    rows = Commission.objects.filter(creator_id=creator_id).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def commissions_for_export(*, creator_id: int, period: Period) -> Iterator[Commission]:
    """Every commission earned in the period, oldest first, with product and term, streamed
    in chunks (one query per 500 rows)."""
    rows = (
        Commission.objects.filter(creator_id=creator_id, earned_at__gte=period.since)
        .select_related("product", "term", "conversion")
        .order_by("earned_at", "pk")
    )
    return rows.iterator(chunk_size=500)


# --- The attribution receipt --------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """Why a commission exists and how it was computed, for its creator, the shop's staff and
    operators. Nothing here names the buyer or where the order went."""

    commission: Commission
    term: Term
    plan: Plan
    viewer: str  # "creator", "shop" or "operator"
    window: timedelta  # the attribution window the winning touch was inside
    adjustments: list[CommissionAdjustment]
    refunds: list  # the line's refunds (orders LineRefund rows)
    post: Post | None = None  # the video of the winning touch, if it still exists
    conversion: ExternalConversion | None = None
    payable_from: datetime | None = None

    @property
    def line(self):
        return self.commission.line

    @property
    def rule(self) -> str:
        return ROUNDING_RULE if self.commission.rate is not None else FLAT_FEE_RULE

    @property
    def return_days(self) -> int:
        return settings.CLIPCART_RETURN_WINDOW_DAYS

    @property
    def before_rounding(self) -> Decimal:
        """Net paid × rate, or fee × units, before the one rounding (and the cap at net paid)."""
        c = self.commission
        exact = c.base * c.rate / 100 if c.rate is not None else (c.flat_fee or ZERO) * c.quantity
        # Every digit that matters and no trailing zeros, but cents at least: 7.49375, 5.99.
        exact = exact.normalize()
        return exact if exact.as_tuple().exponent < -2 else exact.quantize(CENT)  # type: ignore[operator]

    @property
    def refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), ZERO)

    @property
    def post_is_live(self) -> bool:
        return self.post is not None and self.post.is_live


def _viewer_role(user, commission: Commission) -> str | None:
    if not user.is_authenticated:
        return None
    if user.pk == commission.creator_id:
        return "creator"
    if user.pk in catalog_selectors.staff_ids(shop_id=commission.shop_id):
        return "shop"
    return "operator" if user.is_staff else None


def _window(commission: Commission) -> timedelta:
    click, view = attribution_windows()
    return view if commission.touch_kind == K.VIEW_COMPLETE else click


def _payable_from(commission: Commission) -> datetime | None:
    """When pending commission becomes payable: the return window closes that long after
    delivery (or after an external store reported the sale); None before delivery."""
    after = timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)
    if commission.status == C.PAYABLE:
        return commission.payable_at
    if commission.status != C.PENDING:
        return None
    if commission.conversion is not None:
        return commission.conversion.occurred_at + after
    delivered_at = commission.order.delivered_at if commission.order else None
    return delivered_at + after if delivered_at else None


def receipt(*, user, commission_id: int) -> Receipt:
    """The receipt of one commission. Anyone but its creator, the shop's staff and operators is
    told it does not exist (404, not 403: an id must not reveal someone else's earnings)."""
    commission = (
        Commission.objects.select_related(
            "line", "order", "conversion", "product", "term__plan_product__plan", "creator", "shop"
        )
        .defer("order__shipping_address")
        .prefetch_related("adjustments", "line__refunds")
        .filter(pk=commission_id)
        .first()
    )
    viewer = _viewer_role(user, commission) if commission is not None else None
    if commission is None or viewer is None:
        raise NotFound("No such commission.", code="commission_not_found")
    post = None
    if commission.post_id:
        post = media_selectors.posts_for_display([commission.post_id]).get(commission.post_id)
    return Receipt(
        commission=commission,
        term=commission.term,
        plan=commission.term.plan_product.plan,
        viewer=viewer,
        window=_window(commission),
        adjustments=list(commission.adjustments.all()),
        refunds=list(commission.line.refunds.all()) if commission.line else [],
        post=post,
        conversion=commission.conversion,
        payable_from=_payable_from(commission),
    )


# --- The studio's first page --------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    summary: Summary
    products: Page[ProductFigures]  # the best earning few
    posts: Page[PostFigures]  # the newest few
    recent: Page[Commission]  # the latest few

    @property
    def has_earned_ever(self) -> bool:
        return bool(self.recent.items)


def overview(
    *, creator_id: int, period: Period, currency: str | None = None, rows: int = 5
) -> Overview:
    """Everything the earnings page shows, in a fixed number of queries (about fifteen)."""
    found = summary(creator_id=creator_id, period=period, currency=currency)
    return Overview(
        summary=found,
        products=product_figures(
            creator_id=creator_id, period=period, currency=found.currency, size=rows
        ),
        posts=post_figures(creator_id=creator_id, currency=found.currency, size=rows),
        recent=commission_list(creator_id=creator_id, size=rows),
    )
