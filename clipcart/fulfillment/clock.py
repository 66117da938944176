"""The business-day clock: every promise to a buyer (ships by, delivers by, deadlines) is
computed here, so the product page, checkout, the order and the periodic tasks always agree.

A shop's calendar is its time zone, weekends, the public holidays of its country (from the
maintained `holidays` package, not a hand-typed list) and its vacation periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.utils import timezone

SATURDAY = 5


@lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_known_country(country: str) -> bool:
    return len(country) == 2 and country.upper() in holidays.list_supported_countries()


@dataclass(frozen=True)
class ShopCalendar:
    """One shop's working days. Vacations are inclusive (start, end) date pairs."""

    time_zone: str = "UTC"
    country: str = ""
    vacations: tuple[tuple[date, date], ...] = field(default_factory=tuple)

    def local_date(self, at: datetime | None = None) -> date:
        return timezone.localtime(at or timezone.now(), ZoneInfo(self.time_zone)).date()

    def is_holiday(self, day: date) -> bool:
        return day in _public_holidays(self.country, day.year)

    def is_on_vacation(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.vacations)

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() < SATURDAY and not self.is_holiday(day) and not self.is_on_vacation(day)
        )

    def next_business_day(self, day: date) -> date:
        """`day` itself when it is a business day, else the first one after it."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, start: date, days: int) -> date:
        """The date `days` business days after `start` (a start on a day off counts from the
        next business day)."""
        current = self.next_business_day(start)
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_business_day(current)
        return count


DEFAULT_CALENDAR = ShopCalendar()


def default_calendar() -> ShopCalendar:
    return ShopCalendar(time_zone=str(timezone.get_default_timezone()))


def is_business_day(day: date, *, calendar: ShopCalendar = DEFAULT_CALENDAR) -> bool:
    return calendar.is_business_day(day)


def add_business_days(start: date, days: int, *, calendar: ShopCalendar = DEFAULT_CALENDAR) -> date:
    return calendar.add_business_days(start, days)


def ships_by(
    *, handling_days: int, at: datetime | None = None, calendar: ShopCalendar | None = None
) -> date:
    """The date an order placed at `at` (default now) will be dispatched by, capacity aside."""
    calendar = calendar or default_calendar()
    return calendar.add_business_days(calendar.local_date(at), handling_days)


# Vacations that ended longer ago than this cannot move any promise or deadline still open.
VACATION_LOOKBACK_DAYS = 180


def is_known_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


CACHE_ATTRIBUTE = "_fulfillment_calendar"


def calendar_of(shop) -> ShopCalendar:
    """The calendar of a loaded shop: one query, for its vacations, then kept on the instance
    (a shop object lives for one request or one task)."""
    cached = getattr(shop, CACHE_ATTRIBUTE, None)
    if cached is None:
        calendars_of([shop])
        cached = getattr(shop, CACHE_ATTRIBUTE)
    return cached


def forget_calendar(shop) -> None:
    """Drops a shop's kept calendar after its settings or vacations changed."""
    if hasattr(shop, CACHE_ATTRIBUTE):
        delattr(shop, CACHE_ATTRIBUTE)


def calendars_of(shops) -> None:
    """Loads the calendars of several shops with one query (a cart from many shops)."""
    from .models import ShopVacation

    shops = [shop for shop in shops if getattr(shop, CACHE_ATTRIBUTE, None) is None]
    if not shops:
        return
    since = timezone.now().date() - timedelta(days=VACATION_LOOKBACK_DAYS)
    vacations: dict[int, list[tuple[date, date]]] = {shop.pk: [] for shop in shops}
    rows = ShopVacation.objects.filter(shop_id__in=list(vacations), end__gte=since)
    for shop_id, start, end in rows.values_list("shop_id", "start", "end"):
        vacations[shop_id].append((start, end))
    for shop in shops:
        time_zone = shop.time_zone if is_known_time_zone(shop.time_zone) else "UTC"
        calendar = ShopCalendar(
            time_zone=time_zone,
            country=shop.country.upper(),
            vacations=tuple(sorted(vacations[shop.pk])),
        )
        setattr(shop, CACHE_ATTRIBUTE, calendar)


def shop_calendar(*, shop_id: int) -> ShopCalendar:
    """The calendar of one shop (its time zone, country and vacations); two queries. An unknown
    shop gets the default calendar."""
    from clipcart.catalog.models import Shop

    shop = Shop.objects.filter(pk=shop_id).only("pk", "time_zone", "country").first()
    if shop is None:
        return default_calendar()
    return calendar_of(shop)
