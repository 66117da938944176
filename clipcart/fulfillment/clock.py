"""The business-day clock: every promise to a buyer (ships by, deadlines) is computed here.

For now a business day is Monday to Friday in UTC; shop time zones, public holidays and seller
vacations extend this one module so that every caller keeps agreeing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

SATURDAY = 5


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (an order placed on a weekend counts from
    the next Monday)."""
    current = start
    while not is_business_day(current):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def ships_by(*, handling_days: int, at: datetime | None = None) -> date:
    """The date an order placed at `at` (default now) will be dispatched by."""
    placed = timezone.localdate(at or timezone.now(), timezone=timezone.get_default_timezone())
    return add_business_days(placed, handling_days)
