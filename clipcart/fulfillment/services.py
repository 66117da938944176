"""Writes of the fulfillment promise: shop calendar and capacity settings, vacations, booking a
ship day at checkout, pre-orders, waitlists, surge alerts and the dispatch deadlines.

Error codes: unknown_time_zone, unknown_country, handling_days_out_of_range,
capacity_not_positive, backlog_limit_out_of_range, invalid_past_limit, invalid_date,
vacation_end_before_start, vacation_too_long, vacation_in_past, vacation_overlaps,
too_many_vacations, preorder_date_in_past, preorder_date_too_far, ships_by_changed,
not_on_waitlist_product (a product that cannot take a waitlist).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts import services as accounts_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.models import HandlingKind, PastLimit, Product, Shop
from clipcart.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipcart.inventory import selectors as inventory_selectors

from . import clock, locks, selectors
from .models import ShopVacation, SurgeAlert, WaitlistEntry

logger = logging.getLogger(__name__)

UNSET: object = object()
SHOP_HANDLING_RANGE = (1, 2)
MAX_VACATION_DAYS = 60
MAX_OPEN_VACATIONS = 20
MAX_CAPACITY = 1_000_000
SURGE_ALERT_EVERY = timedelta(hours=3)
USUAL_WINDOW = timedelta(days=7)


# --- Shops: who may change them ----------------------------------------------------------------


def staff_shop(*, user, shop_id: int) -> Shop:
    """The shop if `user` works for it; another shop is indistinguishable from a missing one."""
    from clipcart.catalog import services as catalog_services

    try:
        return catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    except PermissionDenied:
        raise NotFound("No such shop.", code="shop_not_found") from None


# --- Settings ------------------------------------------------------------------------------------


def _whole(value: object, *, field: str, code: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(message, code=code, field=field)
    return value


def check_time_zone(value: object) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > 64 or not clock.is_known_time_zone(name):
        raise InvalidInput(
            "Unknown time zone; use an IANA name such as Europe/Berlin.",
            code="unknown_time_zone",
            field="time_zone",
        )
    return name


def check_country(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if code is None:
        raise InvalidInput("Country is a two-letter code.", code="unknown_country", field="country")
    if code and not clock.is_known_country(code):
        raise InvalidInput(
            "Unknown country; use a two-letter ISO code such as DE.",
            code="unknown_country",
            field="country",
        )
    return code


def check_shop_handling_days(value: object) -> int:
    low, high = SHOP_HANDLING_RANGE
    message = f"A shop's handling time is {low} or {high} business days."
    days = _whole(value, field="handling_days", code="handling_days_out_of_range", message=message)
    if not low <= days <= high:
        raise InvalidInput(message, code="handling_days_out_of_range", field="handling_days")
    return days


def check_capacity(value: object) -> int | None:
    """Orders a day: a positive whole number, or None for no limit."""
    if value is None:
        return None
    message = f"Daily capacity is a whole number from 1 to {MAX_CAPACITY}, or empty for no limit."
    capacity = _whole(value, field="daily_capacity", code="capacity_not_positive", message=message)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(message, code="capacity_not_positive", field="daily_capacity")
    return capacity


def check_backlog_limit(value: object) -> int:
    from clipcart.catalog.models import MAX_BACKLOG_DAYS

    message = f"Backlog limit is 0 to {MAX_BACKLOG_DAYS} business days."
    days = _whole(
        value, field="backlog_limit_days", code="backlog_limit_out_of_range", message=message
    )
    if not 0 <= days <= MAX_BACKLOG_DAYS:
        raise InvalidInput(message, code="backlog_limit_out_of_range", field="backlog_limit_days")
    return days


def check_past_limit(value: object) -> str:
    if value not in PastLimit.values:
        raise InvalidInput(
            "Past the backlog limit a product becomes a waitlist or a pre-order.",
            code="invalid_past_limit",
            field="past_limit",
        )
    return str(value)


def update_settings(
    *,
    shop: Shop,
    time_zone: object = UNSET,
    country: object = UNSET,
    handling_days: object = UNSET,
    daily_capacity: object = UNSET,
    backlog_limit_days: object = UNSET,
    past_limit: object = UNSET,
) -> Shop:
    """Changes the shop's calendar and capacity settings (only those given), all or nothing.
    Orders already placed keep their dates; more room may turn waitlists buyable again."""
    changes: dict[str, object] = {}
    if time_zone is not UNSET:
        changes["time_zone"] = check_time_zone(time_zone)
    if country is not UNSET:
        changes["country"] = check_country(country)
    if handling_days is not UNSET:
        changes["handling_days"] = check_shop_handling_days(handling_days)
    if daily_capacity is not UNSET:
        changes["daily_capacity"] = check_capacity(daily_capacity)
    if backlog_limit_days is not UNSET:
        changes["backlog_limit_days"] = check_backlog_limit(backlog_limit_days)
    if past_limit is not UNSET:
        changes["past_limit"] = check_past_limit(past_limit)
    if not changes:
        return shop
    for name, value in changes.items():
        setattr(shop, name, value)
    clock.forget_calendar(shop)
    with transaction.atomic():
        shop.save(update_fields=[*changes, "updated_at"])
        transaction.on_commit(lambda: notify_shop_waitlists(shop_id=shop.pk), robust=True)
    return shop


# --- Vacations ----------------------------------------------------------------------------------


def parse_date(value: object, *, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput("Dates are written YYYY-MM-DD.", code="invalid_date", field=field)


def add_vacation(*, shop: Shop, start: object, end: object, note: object = "") -> ShopVacation:
    """A period the shop does not ship. Promises already made are kept; new ones skip it."""
    start, end = parse_date(start, field="start"), parse_date(end, field="end")
    note = " ".join(str(note or "").split())
    if len(note) > 200:
        raise InvalidInput("A note is at most 200 characters.", field="note")
    if end < start:
        raise InvalidInput(
            "A vacation cannot end before it starts.",
            code="vacation_end_before_start",
            field="end",
        )
    if (end - start).days + 1 > MAX_VACATION_DAYS:
        raise InvalidInput(
            f"A vacation is at most {MAX_VACATION_DAYS} days.",
            code="vacation_too_long",
            field="end",
        )
    today = clock.calendar_of(shop).local_date()
    if end < today:
        raise InvalidInput("That vacation is already over.", code="vacation_in_past", field="end")
    upcoming = ShopVacation.objects.filter(shop=shop, end__gte=today)
    if upcoming.filter(start__lte=end, end__gte=start).exists():
        raise Conflict("It overlaps another vacation.", code="vacation_overlaps", field="start")
    if upcoming.count() >= MAX_OPEN_VACATIONS:
        raise Conflict(
            f"At most {MAX_OPEN_VACATIONS} upcoming vacations.", code="too_many_vacations"
        )
    vacation = ShopVacation.objects.create(shop=shop, start=start, end=end, note=note)
    clock.forget_calendar(shop)
    return vacation


def remove_vacation(*, shop: Shop, vacation_id: object) -> None:
    deleted = 0
    if isinstance(vacation_id, int) and not isinstance(vacation_id, bool):
        deleted, _ = ShopVacation.objects.filter(pk=vacation_id, shop=shop).delete()
    if not deleted:
        raise NotFound("No such vacation in this shop.", code="vacation_not_found")
    clock.forget_calendar(shop)


# --- Handling of one product --------------------------------------------------------------------


def check_preorder_date(value: object, *, shop: Shop, field: str = "ships_on") -> date:
    """A pre-order's dispatch date: not in the past (the shop's today), at most
    CLIPCART_PREORDER_MAX_DAYS out."""
    day = parse_date(value, field=field)
    today = clock.calendar_of(shop).local_date()
    if day < today:
        raise InvalidInput(
            "A pre-order date cannot be in the past.", code="preorder_date_in_past", field=field
        )
    maximum = settings.CLIPCART_PREORDER_MAX_DAYS
    if day > today + timedelta(days=maximum):
        raise InvalidInput(
            f"A pre-order date is at most {maximum} days out.",
            code="preorder_date_too_far",
            field=field,
        )
    return day


# --- Capacity at checkout ------------------------------------------------------------------------


def book_ship_day(*, shop: Shop, earliest: date, shown: date) -> date:
    """Takes one order's slot of the shop's capacity on the first day from `earliest` that has
    room, and returns that day. The buyer was shown `shown`: a day later than that (capacity
    filled meanwhile) is refused with 409 `ships_by_changed`, so every order keeps the date it
    was shown. Precondition: inside the checkout's confirm transaction (the slot is given back
    if it rolls back)."""
    calendar = clock.calendar_of(shop)
    first = calendar.next_business_day(earliest)
    if shop.daily_capacity is None:
        if first > shown:  # the shop's day rolled over since the buyer looked
            raise _ships_by_changed(shop)
        return first
    days = []
    day = first
    while day <= shown:
        days.append(day)
        day = calendar.add_business_days(day, 1)
    booked = locks.book_first_free_day(shop_id=shop.pk, days=days, capacity=shop.daily_capacity)
    if booked is None:
        raise _ships_by_changed(shop)
    return booked


def _ships_by_changed(shop: Shop) -> Conflict:
    return Conflict(
        f"{shop.name} just filled the ship dates you were shown; check the new date and "
        "check out again. Nothing was charged.",
        code="ships_by_changed",
        field="ships_by",
    )


# --- Pre-orders and waitlists -------------------------------------------------------------------


def start_preorder(*, shop: Shop, product_id: int, ships_on: object, units: object) -> Product:
    """Opens a sold-out (or not yet stocked) product for pre-order: `units` units per variant
    become sellable, shipping on `ships_on` (the restock date). Never more than those units are
    sold: they are the variant's stock, which the database keeps from going negative."""
    from clipcart.catalog import services as catalog_services
    from clipcart.inventory import services as inventory_services

    product = catalog_services.shop_product(shop=shop, product_id=product_id)
    day = check_preorder_date(ships_on, shop=shop)
    quantity = inventory_services.check_stock_quantity(units, field="units")
    if quantity < 1:
        raise InvalidInput("Open at least one unit for pre-order.", field="units")
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update(
            handling_kind=HandlingKind.PREORDER,
            handling_days=None,
            ships_on=day,
            preorder_units=quantity,
            updated_at=timezone.now(),
        )
        for variant_id in product.variants.values_list("pk", flat=True):
            inventory_services.set_stock(variant_id=variant_id, quantity=quantity)
        transaction.on_commit(lambda: notify_waitlist(product_id=product.pk), robust=True)
    product.refresh_from_db()
    return product


def _waitlist_product(product_id: object) -> Product:
    product = None
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        product = (
            catalog_selectors.browsable_products().select_related("shop").filter(pk=product_id)
        ).first()
    if product is None or product.kind != Product.Kind.NATIVE:
        raise NotFound("No such product.", code="product_not_found")
    return product


def join_waitlist(*, user, product_id: object) -> WaitlistEntry:
    """Puts `user` on the product's waitlist (once: joining again keeps the first place)."""
    product = _waitlist_product(product_id)
    existing = WaitlistEntry.objects.filter(product=product, user=user).first()
    if existing is not None:
        if existing.notified_at is not None:  # told before, waiting again: back of the queue
            existing.delete()
        else:
            return existing
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(product=product, user=user)
    except IntegrityError:  # a double click: the other request made it
        return WaitlistEntry.objects.get(product=product, user=user)


def leave_waitlist(*, user, product_id: object) -> None:
    deleted = 0
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        deleted, _ = WaitlistEntry.objects.filter(product_id=product_id, user=user).delete()
    if not deleted:
        raise NotFound("You are not on that waitlist.", code="waitlist_entry_not_found")


def product_promise(product: Product) -> selectors.Promise:
    variant_ids = list(product.variants.values_list("pk", flat=True))
    available = sum(inventory_selectors.available_quantities(variant_ids).values())
    return selectors.promise(product, available=available)


def notify_waitlist(*, product_id: int) -> int:
    """Tells the product's waiting shoppers, in joining order, that it can be bought; each entry
    once (a conditional update claims it), so a retry or the beat sweep never repeats one.
    Nothing happens while the product still cannot be bought. Returns how many were told."""
    product = Product.objects.select_related("shop").filter(pk=product_id).first()
    if product is None or product.status != Product.Status.ACTIVE:
        return 0
    if not product_promise(product).buyable:
        return 0
    url = reverse("web:product", args=[product.pk])
    told = 0
    waiting = WaitlistEntry.objects.filter(product=product, notified_at__isnull=True)
    for entry in waiting.select_related("user").order_by("id"):
        claimed = WaitlistEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if claimed:
            accounts_services.notify(
                user=entry.user,
                kind="waitlist_available",
                message=f"{product.title} from {product.shop.name} can be bought again.",
                url=url,
            )
            told += 1
    return told


def notify_shop_waitlists(*, shop_id: int) -> int:
    product_ids = (
        WaitlistEntry.objects.filter(product__shop_id=shop_id, notified_at__isnull=True)
        .values_list("product_id", flat=True)
        .distinct()
    )
    return sum(notify_waitlist(product_id=pk) for pk in list(product_ids))


def notify_waitlists(*, limit: int = 500) -> int:
    """The beat sweep: every product with shoppers still waiting is checked again (stock that
    came back through a cancelled order's restock, capacity that freed up as days passed)."""
    product_ids = (
        WaitlistEntry.objects.filter(notified_at__isnull=True)
        .values_list("product_id", flat=True)
        .distinct()
        .order_by("product_id")[:limit]
    )
    return sum(notify_waitlist(product_id=pk) for pk in list(product_ids))


def after_stock_change(*, product_id: int) -> None:
    """Call inside the transaction that raised stock: the waitlist is told after commit."""
    transaction.on_commit(lambda: notify_waitlist(product_id=product_id), robust=True)


# --- Surge alerts --------------------------------------------------------------------------------


def check_surge(*, shop_id: int, now: datetime | None = None) -> SurgeAlert | None:
    """After an order commits: when the shop's orders in the last hour reach
    CLIPCART_SURGE_FACTOR × its average hour over the 7 days before, and at least
    CLIPCART_SURGE_MIN_ORDERS, the staff are alerted (at most once every 3 hours) with a link to
    the capacity settings."""
    from clipcart.orders.models import Order, OrderStatus

    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    orders = Order.objects.filter(shop_id=shop_id).exclude(status=OrderStatus.PENDING_PAYMENT)
    counts = orders.filter(created_at__gte=hour_ago - USUAL_WINDOW).aggregate(
        last_hour=Count("id", filter=Q(created_at__gte=hour_ago)),
        before=Count("id", filter=Q(created_at__lt=hour_ago)),
    )
    last_hour = counts["last_hour"]
    usual = Decimal(counts["before"]) / Decimal(USUAL_WINDOW.total_seconds() / 3600)
    if last_hour < settings.CLIPCART_SURGE_MIN_ORDERS:
        return None
    if last_hour < settings.CLIPCART_SURGE_FACTOR * usual:
        return None
    with transaction.atomic():
        shop = locks.lock_shop_for_alert(shop_id=shop_id)
        if shop is None:
            return None
        recent = SurgeAlert.objects.filter(shop_id=shop_id, created_at__gte=now - SURGE_ALERT_EVERY)
        if recent.exists():
            return None
        alert = SurgeAlert.objects.create(
            shop_id=shop_id,
            orders_last_hour=last_hour,
            usual_per_hour=usual.quantize(Decimal("0.01")),
        )
    url = reverse("web:seller_fulfillment", args=[shop_id])
    message = (
        f"{shop.name} took {last_hour} orders in the last hour (usually {usual:.1f}). "
        "Check your daily capacity so every buyer gets an honest ship date."
    )
    for user_id in catalog_selectors.staff_ids(shop_id=shop_id):
        accounts_services.notify(user=_user(user_id), kind="surge_alert", message=message, url=url)
    return alert


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


def after_orders_placed(*, shop_ids: list[int]) -> None:
    """Inside the checkout's transaction: surge checks run after it commits."""
    for shop_id in sorted(set(shop_ids)):
        transaction.on_commit(functools.partial(check_surge, shop_id=shop_id), robust=True)


# --- Dispatch deadlines --------------------------------------------------------------------------


def dispatch_deadline(*, purchased_on: date, ships_by: date, calendar: clock.ShopCalendar) -> date:
    """The last day an order may stay without a shipment before it is cancelled:
    CLIPCART_AUTO_CANCEL_BUSINESS_DAYS business days after purchase, or, for an order promised
    later than that (a capacity backlog or a pre-order), that many business days after its
    ships-by date — an honest later promise never costs the seller the order."""
    days = settings.CLIPCART_AUTO_CANCEL_BUSINESS_DAYS
    deadline = calendar.add_business_days(purchased_on, days)
    if ships_by >= deadline:
        deadline = calendar.add_business_days(ships_by, days)
    return deadline


def sweep_dispatch_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Marks late every paid, unshipped order whose ships-by day has ended in its shop's time
    zone, and cancels (restock + refund) those past their dispatch deadline, telling the buyer
    and the seller why. Idempotent: late is set once, a cancelled order is no longer paid."""
    from clipcart.orders.models import Order, OrderStatus

    now = now or timezone.now()
    open_orders = Order.objects.filter(status=OrderStatus.PAID, shipped_at__isnull=True)
    late, cancelled = 0, 0
    for shop_id in list(open_orders.values_list("shop_id", flat=True).distinct()):
        calendar = clock.shop_calendar(shop_id=shop_id)
        today = calendar.local_date(now)
        shop_orders = open_orders.filter(shop_id=shop_id, ships_by__lt=today)
        late += _mark_late(shop_orders.filter(late_at__isnull=True))
        for order in shop_orders.only("pk", "created_at", "ships_by", "buyer_id", "shop_id"):
            purchased_on = calendar.local_date(order.created_at)
            deadline = dispatch_deadline(
                purchased_on=purchased_on, ships_by=order.ships_by, calendar=calendar
            )
            if today > deadline and _auto_cancel(order, deadline=deadline):
                cancelled += 1
    return {"late": late, "cancelled": cancelled}


def _mark_late(orders) -> int:
    from clipcart.orders import services as order_services

    ids = list(orders.values_list("pk", flat=True))
    return order_services.mark_late(order_ids=ids) if ids else 0


def _auto_cancel(order, *, deadline: date) -> bool:
    from clipcart.orders import services as order_services

    reason = f"{selectors.AUTO_CANCEL_NOTE} ({deadline:%b %d, %Y}): cancelled and refunded"
    try:
        order_services.cancel_order(order_id=order.pk, actor=None, reason=reason)
    except Conflict:  # shipped or cancelled meanwhile
        return False
    _tell_about_cancel(order, deadline=deadline)
    return True


def _tell_about_cancel(order, *, deadline: date) -> None:
    shop = Shop.objects.get(pk=order.shop_id)
    when = f"{deadline:%b %d}"
    accounts_services.notify(
        user=_user(order.buyer_id),
        kind="order_auto_cancelled",
        message=(
            f"{shop.name} did not ship order #{order.pk} by {when}, so it was cancelled and "
            "your payment refunded."
        ),
        url=_url_or_blank("web:order", order.pk),
    )
    for user_id in catalog_selectors.staff_ids(shop_id=order.shop_id):
        accounts_services.notify(
            user=_user(user_id),
            kind="order_auto_cancelled",
            message=(
                f"Order #{order.pk} had no shipment by its dispatch deadline ({when}); it was "
                "cancelled, restocked and refunded to the buyer."
            ),
            url=_url_or_blank("web:seller_order", order.shop_id, order.pk),
        )


def _url_or_blank(name: str, *args) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
