"""Reads of the seller's side of affiliate plans: the shop's plans with every version of their
terms, who is in them, and how creators and products perform for the shop.

Each function runs a fixed number of queries whatever the number of rows, and only ever reads
the one shop it is given: callers authorize the shop first (`require_shop_staff`).

Performance figures, all for the chosen period (touches by when they first happened,
commissions by when they were earned), each traceable to rows:
- clicks: Touch rows of the shop's products that are not completed views (anchor clicks,
  storefront clicks, share-link visits, external clicks); views: completed-view Touch rows;
- orders: distinct orders (and external conversions) with a commission;
- GMV: the sum of those commissions' `base` (what shoppers paid for the lines, before refunds);
- owed: pending + payable commission less what refunds clawed back; paid: paid commission less
  clawbacks. Cancelled commission is neither (`Commission.net_amount`, in SQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clipcart.catalog.models import Product
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.pagination import Page, decode_cursor, encode_cursor, paginate_by_pk

from . import terms
from .models import Commission, Membership, Plan, PlanProduct, Term, Touch
from .selectors import PostingRate, posting_rates

M = Membership.Status
C = Commission.Status
ZERO = Decimal("0.00")
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
PAGE_SIZE = 25
BY = ("creator", "product")
SORTS = ("name", "clicks", "views", "orders", "gmv", "owed", "paid")
DEFAULT_SORT = "-gmv"


# --- Plans and their versioned terms --------------------------------------------------------------


@dataclass(frozen=True)
class TermVersion:
    """One version of a plan product's term as the seller sees it. A cut reaches creators who
    were already promoting only `reaches_promoting_at` (after the grace period; they are told
    `notice_days` before), and creators who join later at once."""

    term: Term
    is_cut: bool
    reaches_promoting_at: datetime

    @property
    def notice_days(self) -> int:
        return settings.CLIPCART_AFFILIATE_CUT_NOTICE_DAYS


@dataclass(frozen=True)
class EntryView:
    """A product in a plan with every version of its term, oldest first."""

    entry: PlanProduct
    versions: list[TermVersion]

    @property
    def current(self) -> TermVersion:
        return self.versions[-1]

    @property
    def history(self) -> list[TermVersion]:
        """Newest first, for the page."""
        return self.versions[::-1]

    @property
    def previous(self) -> Term | None:
        return self.versions[-2].term if len(self.versions) > 1 else None

    def promoting_keep_previous(self, *, now: datetime | None = None) -> bool:
        """Whether creators already promoting still earn the previous term (a recent cut)."""
        now = now or timezone.now()
        return self.current.is_cut and now < self.current.reaches_promoting_at


def term_versions(versions: Iterable[Term]) -> list[TermVersion]:
    ordered = sorted(versions, key=lambda t: t.version)
    found = []
    for previous, term in zip([None, *ordered], ordered, strict=False):
        is_cut = previous is not None and term.pays_less_than(previous)
        reaches = term.effective_at + terms.grace() if is_cut else term.effective_at
        found.append(TermVersion(term=term, is_cut=is_cut, reaches_promoting_at=reaches))
    return found


def _entries_with_terms() -> QuerySet[PlanProduct]:
    versions = Term.objects.select_related("created_by").order_by("version")
    return (
        PlanProduct.objects.filter(removed_at__isnull=True)
        .select_related("product")
        .prefetch_related(Prefetch("terms", queryset=versions))
        .order_by("product__title", "pk")
    )


def _views(entries: Iterable[PlanProduct]) -> list[EntryView]:
    return [EntryView(entry=e, versions=term_versions(e.terms.all())) for e in entries]


def plan_entries(*, plan_id: int) -> list[EntryView]:
    """The products in a plan now, each with every version of its term (two queries)."""
    return _views(_entries_with_terms().filter(plan_id=plan_id))


def open_plan_of(*, shop_id: int) -> Plan | None:
    return Plan.objects.filter(shop_id=shop_id, kind=Plan.Kind.OPEN, ended_at__isnull=True).first()


def shop_plan(*, shop_id: int, plan_id: int) -> Plan:
    """A live plan of the shop; any other is not found."""
    plan = Plan.objects.filter(pk=plan_id, shop_id=shop_id, ended_at__isnull=True).first()
    if plan is None:
        raise NotFound("No such plan in this shop.", code="plan_not_found")
    return plan


def targeted_plan(*, shop_id: int, plan_id: int) -> Plan:
    plan = shop_plan(shop_id=shop_id, plan_id=plan_id)
    if plan.kind != Plan.Kind.TARGETED:
        raise NotFound("No such targeted plan in this shop.", code="plan_not_found")
    return plan


def shop_entry(*, shop_id: int, plan_product_id: int) -> EntryView:
    """A product in one of the shop's live plans, with its plan and terms."""
    entry = (
        _entries_with_terms()
        .select_related("plan")
        .filter(pk=plan_product_id, plan__shop_id=shop_id, plan__ended_at__isnull=True)
        .first()
    )
    if entry is None:
        raise NotFound("No such product in this shop's plans.", code="not_in_plan")
    return _views([entry])[0]


def addable_products(*, shop_id: int, plan_id: int | None) -> list[Product]:
    """The shop's active products that are not in the plan now, for the "add" picker."""
    products = Product.objects.filter(shop_id=shop_id, status=Product.Status.ACTIVE)
    if plan_id is not None:
        in_plan = PlanProduct.objects.filter(plan_id=plan_id, removed_at__isnull=True)
        products = products.exclude(pk__in=in_plan.values("product_id"))
    return list(products.only("pk", "title").order_by("title", "pk"))


def _counted(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Plans with counts of their products and creators. Each count is its own subquery: joining
    products and memberships at once would multiply their rows."""
    live = PlanProduct.objects.filter(removed_at__isnull=True)
    return plans.annotate(
        product_count=_count(live),
        member_count=_count(Membership.objects.filter(status=M.APPROVED)),
        requested_count=_count(Membership.objects.filter(status=M.REQUESTED)),
        invited_count=_count(Membership.objects.filter(status=M.INVITED)),
        declined_count=_count(Membership.objects.filter(status=M.DECLINED)),
    )


def _count(rows: QuerySet) -> Coalesce:
    per_plan = rows.filter(plan=OuterRef("pk")).order_by().values("plan")
    counted = per_plan.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def targeted_plans(*, shop_id: int) -> list[Plan]:
    """The shop's live targeted plans, newest first, with counts of products and creators."""
    plans = Plan.objects.filter(shop_id=shop_id, kind=Plan.Kind.TARGETED, ended_at__isnull=True)
    return list(_counted(plans).order_by("-pk"))


@dataclass(frozen=True)
class PlanDetail:
    plan: Plan
    entries: list[EntryView]


def shop_plans(*, shop_id: int, cursor: str | None = None) -> Page[PlanDetail]:
    """The shop's live plans (open and targeted), newest first, with their products and every
    version of their terms, and counts of creators (three queries)."""
    plans = _counted(Plan.objects.filter(shop_id=shop_id, ended_at__isnull=True))
    plans = plans.prefetch_related(
        Prefetch("plan_products", queryset=_entries_with_terms(), to_attr="live_entries")
    )
    page = paginate_by_pk(plans, cursor=cursor)
    return Page(
        items=[PlanDetail(plan=p, entries=_views(p.live_entries)) for p in page.items],  # type: ignore[attr-defined]
        next_cursor=page.next_cursor,
    )


def plan_detail(*, plan: Plan) -> PlanDetail:
    plan = _counted(Plan.objects.filter(pk=plan.pk)).get()
    return PlanDetail(plan=plan, entries=plan_entries(plan_id=plan.pk))


# --- Who is in the plans ------------------------------------------------------------------------


def memberships(
    *,
    shop_id: int,
    statuses: Iterable[str],
    plan_id: int | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page[Membership]:
    """Creators in the shop's live plans in `statuses`, newest first, a page at a time."""
    rows = Membership.objects.filter(
        plan__shop_id=shop_id, plan__ended_at__isnull=True, status__in=list(statuses)
    ).select_related("creator", "plan")
    if plan_id is not None:
        rows = rows.filter(plan_id=plan_id)
    if kind is not None:
        rows = rows.filter(plan__kind=kind)
    return paginate_by_pk(rows, cursor=cursor, size=size)


def pending_request_count(*, shop_id: int) -> int:
    return Membership.objects.filter(
        plan__shop_id=shop_id, plan__ended_at__isnull=True, status=M.REQUESTED
    ).count()


def shop_membership(*, shop_id: int, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("creator", "plan")
        .filter(pk=membership_id, plan__shop_id=shop_id)
        .first()
    )
    if membership is None:
        raise NotFound("No such creator in this shop's plans.", code="membership_not_found")
    return membership


# --- Performance ----------------------------------------------------------------------------------


@dataclass
class Figures:
    clicks: int = 0
    views: int = 0
    orders: int = 0
    gmv: Decimal = ZERO
    owed: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class PerformanceRow:
    """One creator's or one product's figures. `id` is None for commission on a product that
    no longer exists."""

    id: int | None
    label: str
    figures: Figures = field(default_factory=Figures)
    posting: PostingRate | None = None


@dataclass(frozen=True)
class Performance:
    by: str
    days: int
    sort: str
    since: datetime
    currency: str
    totals: Figures
    rows: list[PerformanceRow]
    next_cursor: str | None
    offset: int

    @property
    def is_empty(self) -> bool:
        return not self.rows and self.offset == 0


def check_period(raw: object) -> int:
    """Days back from now: 7, 30 or 90."""
    try:
        days = int(str(raw))
    except ValueError:
        days = 0
    if days not in PERIODS:
        raise InvalidInput("The period is 7, 30 or 90 days.", field="days")
    return days


def check_by(raw: object) -> str:
    if raw not in BY:
        raise InvalidInput('Group by "creator" or "product".', field="by")
    return str(raw)


def check_sort(raw: object) -> str:
    name = str(raw or "").removeprefix("-")
    if name not in SORTS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}.", field="sort")
    return str(raw)


def performance(
    *,
    shop_id: int,
    currency: str,
    by: str = "creator",
    days: int = DEFAULT_PERIOD,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Performance:
    """Per creator or per product figures of the shop over the last `days`, sorted, a page at
    a time. Queries: touches, commissions, distinct orders, and (creators) posting rates of the
    page — four at most, whatever the number of rows. Every row in the period is merged in
    memory so that any column can be sorted on; a shop has far fewer active creators and
    products in 90 days than rows of touches, which stay in the database."""
    by, days, sort = check_by(by), check_period(days), check_sort(sort)
    since = (now or timezone.now()) - timedelta(days=days)
    rows = _merged_rows(shop_id=shop_id, by=by, since=since)
    totals = _totals(rows, orders=_distinct_orders(shop_id=shop_id, since=since))
    offset = decode_cursor(cursor, kind="offset") if cursor else 0
    ordered = _sorted(rows, sort)
    page = ordered[offset : offset + size]
    if by == "creator":
        rates = posting_rates(creator_ids=[r.id for r in page if r.id], shop_id=shop_id)
        for row in page:
            row.posting = rates.get(row.id) if row.id else None
    more = len(ordered) > offset + size
    return Performance(
        by=by,
        days=days,
        sort=sort,
        since=since,
        currency=currency,
        totals=totals,
        rows=page,
        next_cursor=encode_cursor(offset + size, kind="offset") if more else None,
        offset=offset,
    )


GROUPS = {
    "creator": ("creator_id", "creator__username"),
    "product": ("product_id", "product__title"),
}
MONEY = DecimalField(max_digits=14, decimal_places=2)
NET = F("amount") - F("clawed_back")


def _merged_rows(*, shop_id: int, by: str, since: datetime) -> list[PerformanceRow]:
    key, label = GROUPS[by]
    rows: dict[int | None, PerformanceRow] = {}

    def row(values: dict) -> PerformanceRow:
        found = rows.get(values[key])
        if found is None:
            found = rows[values[key]] = PerformanceRow(
                id=values[key], label=values[label] or "A removed product"
            )
        return found

    view = Q(kind=Touch.Kind.VIEW_COMPLETE)
    touches = (
        Touch.objects.filter(product__shop_id=shop_id, first_at__gte=since)
        .values(key, label)
        .annotate(clicks=Count("pk", filter=~view), views=Count("pk", filter=view))
        .order_by()
    )
    for values in touches:
        figures = row(values).figures
        figures.clicks, figures.views = values["clicks"], values["views"]
    for values in (
        _commission_sums(shop_id=shop_id, since=since)
        .values(key, label)
        .annotate(**_COMMISSION_FIGURES)
    ):
        figures = row(values).figures
        figures.orders = values["orders"] + values["conversions"]
        figures.gmv = values["gmv"] or ZERO
        figures.owed = values["owed"] or ZERO
        figures.paid = values["paid"] or ZERO
    return list(rows.values())


_COMMISSION_FIGURES = {
    "orders": Count("order", distinct=True),
    "conversions": Count("conversion"),
    "gmv": Sum("base", output_field=MONEY),
    "owed": Sum(NET, filter=Q(status__in=[C.PENDING, C.PAYABLE]), output_field=MONEY),
    "paid": Sum(NET, filter=Q(status=C.PAID), output_field=MONEY),
}


def _commission_sums(*, shop_id: int, since: datetime) -> QuerySet[Commission]:
    return Commission.objects.filter(shop_id=shop_id, earned_at__gte=since).order_by()


def _distinct_orders(*, shop_id: int, since: datetime) -> int:
    """Orders are not additive over rows (one order can hold two creators' lines)."""
    counts = _commission_sums(shop_id=shop_id, since=since).aggregate(
        orders=Count("order", distinct=True), conversions=Count("conversion")
    )
    return counts["orders"] + counts["conversions"]


def _totals(rows: list[PerformanceRow], *, orders: int) -> Figures:
    # Every touch and every commission is in exactly one row, so these sums are the shop's.
    return Figures(
        clicks=sum(r.figures.clicks for r in rows),
        views=sum(r.figures.views for r in rows),
        orders=orders,
        gmv=sum((r.figures.gmv for r in rows), ZERO),
        owed=sum((r.figures.owed for r in rows), ZERO),
        paid=sum((r.figures.paid for r in rows), ZERO),
    )


def _sorted(rows: list[PerformanceRow], sort: str) -> list[PerformanceRow]:
    name = sort.removeprefix("-")
    value: Callable[[PerformanceRow], Any]
    value = _label_key if name == "name" else attrgetter(f"figures.{name}")
    # Ties keep a stable order (by name, then id) in either direction, so pages never overlap.
    by_name = sorted(rows, key=lambda r: (_label_key(r), r.id or 0))
    return sorted(by_name, key=value, reverse=sort.startswith("-"))


def _label_key(row: PerformanceRow) -> str:
    return row.label.casefold()


def shop_commissions(
    *,
    shop_id: int,
    days: int = DEFAULT_PERIOD,
    creator_id: int | None = None,
    product_id: int | None = None,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page[Commission]:
    """The commission rows behind the figures (each with its attribution receipt), newest
    first, optionally of one creator or one product."""
    since = (now or timezone.now()) - timedelta(days=check_period(days))
    rows = Commission.objects.filter(shop_id=shop_id, earned_at__gte=since).select_related(
        "creator", "product", "term"
    )
    if creator_id is not None:
        rows = rows.filter(creator_id=creator_id)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    return paginate_by_pk(rows, cursor=cursor, size=size)
