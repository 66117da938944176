"""Reads of the fulfillment promise: the honest ships-by date of a product or of one shop's
part of a cart, capacity left per ship day, waitlists and the shop's dispatch metrics.

How a promise is made (the product page, the cart, checkout and the order all use `promise`):
1. the *normal* date: the shop's local today plus the product's handling business days on the
   shop's calendar (a pre-order: its date, never earlier than the normal date);
2. with a daily capacity, the first business day from the normal date whose booked orders are
   below the capacity (`ShipDay`); the business days skipped are the *backlog*;
3. a backlog above the shop's limit turns the listing into what the seller chose: a waitlist
   (not buyable) or a pre-order (buyable, labelled, at that later date, at most
   CLIPCART_PREORDER_MAX_DAYS out);
4. delivers-by is ships-by plus CLIPCART_TRANSIT_BUSINESS_DAYS on the same calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from clipcart.catalog.models import PastLimit, Product, Shop, WhenSoldOut
from clipcart.core.pagination import Page, paginate_by_pk

from . import clock
from .models import ShipDay, ShopVacation, SurgeAlert, WaitlistEntry


class State:
    """What a shopper can do with a listing now."""

    BUY = "buy"
    PREORDER = "preorder"  # buyable, ships at a later honest date, labelled pre-order
    WAITLIST = "waitlist"  # not buyable; shoppers may join the waitlist
    SOLD_OUT = "sold_out"  # not buyable, no waitlist (the seller's choice)
    NOT_SOLD_HERE = "external"  # an external product: another store ships it


BUYABLE = {State.BUY, State.PREORDER}


@dataclass(frozen=True)
class Promise:
    state: str
    ships_by: date | None = None
    delivers_by: date | None = None
    normal_ships_by: date | None = None
    backlog_days: int = 0  # business days capacity pushed the date past the normal one
    reason: str = ""  # why a listing is not buyable: "stock" or "capacity"

    @property
    def buyable(self) -> bool:
        return self.state in BUYABLE

    @property
    def is_preorder(self) -> bool:
        return self.state == State.PREORDER

    @property
    def pushed_by_capacity(self) -> bool:
        return self.backlog_days > 0


@dataclass(frozen=True)
class CapacityDay:
    """The day a shop can still ship one more order, if any, and how far past the normal date."""

    day: date | None
    backlog_days: int


def today_at(shop: Shop, *, calendar: clock.ShopCalendar, now: datetime | None = None) -> date:
    return calendar.local_date(now)


def normal_ships_by(product: Product, *, calendar: clock.ShopCalendar, today: date) -> date:
    """The ships-by date capacity aside: handling time counted from today, or a pre-order's
    date (on a day off, the next business day; never before the normal handling date)."""
    handling = calendar.add_business_days(today, product.effective_handling_days)
    if product.is_preorder and product.ships_on is not None:
        return max(calendar.next_business_day(product.ships_on), handling)
    return handling


def _horizon(shop: Shop, *, base: date, calendar: clock.ShopCalendar, today: date) -> date:
    """The last day worth looking at for free capacity: the backlog limit, or for a shop that
    turns to pre-orders, the furthest date a pre-order may promise."""
    if shop.past_limit == PastLimit.PREORDER:
        return today + timedelta(days=settings.CLIPCART_PREORDER_MAX_DAYS)
    return calendar.add_business_days(base, shop.backlog_limit_days)


def booked_per_day(*, shop_id: int, start: date, end: date) -> dict[date, int]:
    rows = ShipDay.objects.filter(shop_id=shop_id, day__gte=start, day__lte=end)
    return dict(rows.values_list("day", "booked"))


def capacity_day(
    shop: Shop, *, base: date, calendar: clock.ShopCalendar, today: date
) -> CapacityDay:
    """The first business day from `base` with room for one more order (one query)."""
    capacity = shop.daily_capacity
    start = calendar.next_business_day(base)
    if capacity is None:
        return CapacityDay(day=start, backlog_days=0)
    horizon = _horizon(shop, base=start, calendar=calendar, today=today)
    booked = booked_per_day(shop_id=shop.pk, start=start, end=horizon)
    day, skipped = start, 0
    while day <= horizon:
        if booked.get(day, 0) < capacity:
            return CapacityDay(day=day, backlog_days=skipped)
        day = calendar.add_business_days(day, 1)
        skipped += 1
    return CapacityDay(day=None, backlog_days=skipped)


def delivers_by(ships_by: date, *, calendar: clock.ShopCalendar) -> date:
    return calendar.add_business_days(ships_by, settings.CLIPCART_TRANSIT_BUSINESS_DAYS)


def promise_for_date(
    shop: Shop,
    *,
    base: date,
    preorder: bool,
    calendar: clock.ShopCalendar,
    today: date,
) -> Promise:
    """The promise for an order whose normal ships-by date is `base` (stock aside)."""
    found = capacity_day(shop, base=base, calendar=calendar, today=today)
    latest = today + timedelta(days=settings.CLIPCART_PREORDER_MAX_DAYS)
    if found.day is None or (found.day > latest and (preorder or found.backlog_days > 0)):
        return Promise(
            state=State.WAITLIST,
            normal_ships_by=base,
            backlog_days=found.backlog_days,
            reason="capacity",
        )
    past_limit = found.backlog_days > shop.backlog_limit_days
    state = State.PREORDER if preorder or past_limit else State.BUY
    return Promise(
        state=state,
        ships_by=found.day,
        delivers_by=delivers_by(found.day, calendar=calendar),
        normal_ships_by=base,
        backlog_days=found.backlog_days,
    )


def promise(
    product: Product,
    *,
    available: int,
    calendar: clock.ShopCalendar | None = None,
    now: datetime | None = None,
) -> Promise:
    """What a shopper is told about `product` before paying, with `available` units left."""
    if product.kind != Product.Kind.NATIVE:
        return Promise(state=State.NOT_SOLD_HERE)
    if available <= 0:
        state = State.WAITLIST if product.when_sold_out == WhenSoldOut.WAITLIST else State.SOLD_OUT
        return Promise(state=state, reason="stock")
    calendar = calendar or clock.calendar_of(product.shop)
    today = calendar.local_date(now)
    base = normal_ships_by(product, calendar=calendar, today=today)
    return promise_for_date(
        product.shop, base=base, preorder=product.is_preorder, calendar=calendar, today=today
    )


def group_promise(
    shop: Shop,
    products: Iterable[Product],
    *,
    calendar: clock.ShopCalendar | None = None,
    now: datetime | None = None,
) -> Promise:
    """The promise for one order of `shop` holding `products` (stock checked elsewhere): the
    latest normal date of its products, then capacity. One order takes one slot of a day."""
    products = list(products)
    calendar = calendar or clock.calendar_of(shop)
    today = calendar.local_date(now)
    base = max(normal_ships_by(p, calendar=calendar, today=today) for p in products)
    preorder = any(p.is_preorder for p in products)
    return promise_for_date(shop, base=base, preorder=preorder, calendar=calendar, today=today)


# --- Seller center reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class ShipDayLoad:
    day: date
    booked: int
    capacity: int | None

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.booked)

    @property
    def percent(self) -> int:
        if not self.capacity:
            return 0
        return min(100, round(100 * self.booked / self.capacity))


def upcoming_ship_days(shop: Shop, *, calendar: clock.ShopCalendar, count: int = 10) -> list:
    """Today (when a business day) and the next business days, with orders booked on each."""
    today = calendar.local_date()
    days = [calendar.next_business_day(today)]
    while len(days) < count:
        days.append(calendar.add_business_days(days[-1], 1))
    booked = booked_per_day(shop_id=shop.pk, start=days[0], end=days[-1])
    return [ShipDayLoad(day, booked.get(day, 0), shop.daily_capacity) for day in days]


def vacations_of(*, shop: Shop, include_past: bool = False) -> list[ShopVacation]:
    rows = ShopVacation.objects.filter(shop=shop)
    if not include_past:
        rows = rows.filter(end__gte=timezone.now().date() - timedelta(days=1))
    return list(rows.order_by("start", "id"))


def vacation_page(*, shop: Shop, cursor: str | None = None, size: int = 50) -> Page:
    return paginate_by_pk(ShopVacation.objects.filter(shop=shop), cursor=cursor, size=size)


@dataclass(frozen=True)
class DispatchMetrics:
    """Dispatch over the last `days` days: orders paid, how many were marked late, and how many
    were cancelled for want of a shipment. Every figure counts rows of orders."""

    days: int
    orders: int
    late: int
    auto_cancelled: int

    @property
    def late_rate(self) -> float:
        return 0.0 if self.orders == 0 else self.late / self.orders


METRIC_DAYS = 30
AUTO_CANCEL_NOTE = "No shipment by the dispatch deadline"


def dispatch_metrics(*, shop: Shop, now: datetime | None = None) -> DispatchMetrics:
    from clipcart.orders.models import Order, OrderEvent, OrderStatus

    since = (now or timezone.now()) - timedelta(days=METRIC_DAYS)
    counts = (
        Order.objects.filter(shop=shop, created_at__gte=since)
        .exclude(status=OrderStatus.PENDING_PAYMENT)
        .aggregate(orders=Count("id"), late=Count("id", filter=Q(late_at__isnull=False)))
    )
    cancelled = (
        OrderEvent.objects.filter(
            order__shop=shop,
            to_status=OrderStatus.CANCELLED,
            note__startswith=AUTO_CANCEL_NOTE,
            created_at__gte=since,
        )
        .values("order_id")
        .distinct()
        .count()
    )
    return DispatchMetrics(
        days=METRIC_DAYS, orders=counts["orders"], late=counts["late"], auto_cancelled=cancelled
    )


def recent_surge_alerts(*, shop: Shop, limit: int = 5) -> list[SurgeAlert]:
    return list(SurgeAlert.objects.filter(shop=shop).order_by("-id")[:limit])


def waitlist_count(*, product_id: int) -> int:
    return WaitlistEntry.objects.filter(product_id=product_id, notified_at__isnull=True).count()


def on_waitlist(*, user, product_id: int) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return WaitlistEntry.objects.filter(
        user=user, product_id=product_id, notified_at__isnull=True
    ).exists()
