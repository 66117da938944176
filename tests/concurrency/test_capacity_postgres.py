"""A shop's daily capacity under a burst of concurrent buyers: never overbooked, and every
accepted order keeps the ships-by date it was shown. Real threads, real PostgreSQL row locks."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db.models import Count

from clipcart.catalog.models import Shop
from clipcart.fulfillment.models import ShipDay
from clipcart.orders.models import Order

from .test_flash_sale_postgres import THREADS, buyers_with_carts, checkout_as

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_day_of_capacity_5_takes_exactly_5_of_60_concurrent_orders(product, shop):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=5, backlog_limit_days=0)
    tokens = buyers_with_carts(60, product.variants.get().pk)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(checkout_as, tokens))

    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 5 and statuses[409] == 55
    refused = Counter(body["error"]["code"] for status, body in results if status == 409)
    assert set(refused) <= {"ships_by_changed", "waitlist_only"}
    day = ShipDay.objects.get(shop=shop)
    assert day.booked == 5 and Order.objects.filter(shop=shop, ships_by=day.day).count() == 5


def test_a_burst_spreads_over_later_days_without_overbooking_any(product, shop):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=4, backlog_limit_days=5)
    tokens = buyers_with_carts(30, product.variants.get().pk)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(checkout_as, tokens))

    accepted = [body for status, body in results if status == 201]
    per_day = dict(Order.objects.filter(shop=shop).values_list("ships_by").annotate(n=Count("id")))
    booked = dict(ShipDay.objects.filter(shop=shop).values_list("day", "booked"))
    assert len(accepted) == sum(per_day.values()) and len(accepted) <= 24
    assert all(n <= 4 for n in per_day.values())
    assert {day: n for day, n in booked.items() if n} == per_day
