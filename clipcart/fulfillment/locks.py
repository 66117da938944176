"""Row locks of the fulfillment app.

Global lock order (all apps): idempotency key → stock rows (by variant id, then bucket) →
ship days (by shop id, then day) → order → plan product → commission → discount code. A
checkout books its shops' ship days in shop-id order inside its confirm transaction, after
its stock was reserved and before its orders exist, so two checkouts never wait on each other
in opposite orders. No lock here is held across a payment call.
"""

from __future__ import annotations

from datetime import date

from django.db.models import F

from clipcart.catalog.models import Shop

from .models import ShipDay


def book_first_free_day(*, shop_id: int, days: list[date], capacity: int) -> date | None:
    """Books one order on the first of `days` (ascending) with fewer than `capacity` orders,
    and returns it (None: all full). Precondition: inside a transaction.

    Each try is one conditional UPDATE: it takes the day's row lock, and under concurrency
    PostgreSQL re-checks `booked < capacity` on the row as the previous booker committed it, so
    two checkouts can never both take a day's last slot. Full days are passed over without
    keeping their lock. The row records the capacity it was booked under, and its CHECK
    (booked <= capacity) backs the count."""
    if not days:
        return None
    ShipDay.objects.bulk_create(
        [ShipDay(shop_id=shop_id, day=day, booked=0, capacity=capacity) for day in days],
        ignore_conflicts=True,
    )
    for day in days:
        taken = ShipDay.objects.filter(shop_id=shop_id, day=day, booked__lt=capacity).update(
            booked=F("booked") + 1, capacity=capacity
        )
        if taken:
            return day
    return None


def lock_shop_for_alert(*, shop_id: int) -> Shop | None:
    """Serializes surge checks of one shop so two orders committing at once raise one alert.
    Taken alone, after the checkout committed (no other lock is held)."""
    return Shop.objects.select_for_update().filter(pk=shop_id).first()
