"""Viral-day benchmark: one shop's normal hour of orders, then a burst of 50× that, through the
real checkout service (test payment gateway), with the shop's daily capacity on.

    .venv/bin/python bench/viral_day.py [--normal 20] [--factor 50] [--capacity 150]
        [--backlog 3] [--past-limit preorder] [--units 800] [--threads 16]

With DATABASE_URL pointing at PostgreSQL the burst runs on `--threads` concurrent buyers (a
scratch test database `test_<name>` is created and dropped); otherwise on a throwaway SQLite
database, one buyer at a time. Each buyer adds the product to a cart (a booked-up or sold-out
product sends them to its waitlist instead), is quoted, and checks out with the date it was
quoted; a date that filled meanwhile (409 ships_by_changed) is quoted again once, as a shopper
would see the new date and confirm. The run reports orders accepted, oversold units (must be
0), orders pushed to later ship days, pre-orders, waitlist entries, and checks that every
accepted order's stored ships_by equals the date shown and no ship day exceeds its capacity.

Baseline, same run and database: the same burst at a second shop with no capacity limit; the
ratio is the burst's orders/s with capacity over the baseline's. Exit status 1 when a check
fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings_test")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F, Sum  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from clipcart.accounts.models import User  # noqa: E402
from clipcart.catalog import services as catalog_services  # noqa: E402
from clipcart.catalog.models import Shop  # noqa: E402
from clipcart.checkout import services as checkout_services  # noqa: E402
from clipcart.core.errors import Conflict  # noqa: E402
from clipcart.fulfillment import services as fulfillment_services  # noqa: E402
from clipcart.fulfillment.models import ShipDay, WaitlistEntry  # noqa: E402
from clipcart.inventory.models import Stock  # noqa: E402
from clipcart.orders.models import Order, OrderLine  # noqa: E402

ADDRESS = {
    "name": "Viral Buyer",
    "line1": "1 Trend Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
PAYMENT = {"method": "test", "token": "tok_visa"}


@dataclass
class Tally:
    accepted: list[tuple[int, str, bool]] = field(default_factory=list)  # order, shown, preorder
    waitlisted: int = 0
    sold_out: int = 0
    requoted: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:  # buyers run on threads
            setattr(self, name, getattr(self, name) + amount)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normal", type=int, default=20, help="orders in a normal hour")
    parser.add_argument("--factor", type=int, default=50, help="burst = factor × normal")
    parser.add_argument("--capacity", type=int, default=150, help="orders the shop ships a day")
    parser.add_argument("--backlog", type=int, default=3, help="backlog limit, business days")
    parser.add_argument("--past-limit", choices=["waitlist", "preorder"], default="preorder")
    parser.add_argument("--units", type=int, default=800, help="units in stock")
    parser.add_argument("--threads", type=int, default=16, help="concurrent buyers (PostgreSQL)")
    return parser.parse_args()


def make_shop(name: str, *, capacity: int | None, args) -> tuple[Shop, int]:
    owner = User.objects.create(
        username=f"owner{len(name)}{name[:4]}",
        email=f"{name[:4]}@example.com",
        password=make_password(None),
    )
    shop = catalog_services.create_shop(owner=owner, name=name)
    fulfillment_services.update_settings(
        shop=shop,
        daily_capacity=capacity,
        backlog_limit_days=args.backlog,
        past_limit=args.past_limit,
    )
    product = catalog_services.create_product(
        shop=shop, title="The serum from the video", price="24.00", currency="USD", stock=args.units
    )
    return shop, product.variants.get().pk


def make_buyers(prefix: str, count: int) -> list[User]:
    password = make_password(None)
    return User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password=password)
        for n in range(count)
    )


def buy(user: User, variant_id: int, product_id: int, tally: Tally) -> None:
    try:
        cart = checkout_services.get_or_create_cart(user=user)
        try:
            checkout_services.add_item(cart=cart, variant_id=variant_id, quantity=1)
        except Conflict as error:  # booked up (waitlist_only) or sold out
            _to_waitlist(user, product_id, tally, sold_out=error.code == "out_of_stock")
            return
        for attempt in range(2):
            try:
                prepared = checkout_services.prepare_checkout(
                    cart=cart, shipping_address=ADDRESS, payment=PAYMENT
                )
            except Conflict as error:
                _to_waitlist(user, product_id, tally, sold_out=error.code == "out_of_stock")
                return
            group = prepared.quote.shops[0]
            shown = group.ships_by.isoformat()
            try:
                result = checkout_services.place_order(buyer=user, prepared=prepared)
            except Conflict as error:
                if error.code == "ships_by_changed" and attempt == 0:
                    tally.add("requoted")
                    continue
                if error.code in ("waitlist_only", "out_of_stock"):
                    _to_waitlist(user, product_id, tally, sold_out=error.code == "out_of_stock")
                else:
                    tally.add("refused")
                return
            tally.accepted.append((result.body["orders"][0]["id"], shown, group.is_preorder))
            return
    finally:
        if connection.vendor == "postgresql":
            connection.close()


def _to_waitlist(user, product_id: int, tally: Tally, *, sold_out: bool) -> None:
    fulfillment_services.join_waitlist(user=user, product_id=product_id)
    tally.add("waitlisted")
    tally.add("sold_out", int(sold_out))


def run_phase(buyers, variant_id: int, product_id: int, *, threads: int) -> tuple[Tally, float]:
    tally = Tally()
    started = time.perf_counter()
    if connection.vendor == "postgresql" and threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda u: buy(u, variant_id, product_id, tally), buyers))
    else:
        for user in buyers:
            buy(user, variant_id, product_id, tally)
    return tally, time.perf_counter() - started


def check(shop: Shop, variant_id: int, tallies: list[Tally], units: int) -> dict:
    accepted = [entry for tally in tallies for entry in tally.accepted]
    orders = {o.pk: o for o in Order.objects.filter(shop=shop)}
    ordered = OrderLine.objects.filter(order__shop=shop).aggregate(n=Sum("quantity"))["n"] or 0
    stock_left = Stock.objects.filter(variant_id=variant_id).aggregate(n=Sum("quantity"))["n"]
    mismatched = sum(1 for pk, shown, _ in accepted if orders[pk].ships_by.isoformat() != shown)
    first_day = min((o.ships_by for o in orders.values()), default=None)
    return {
        "orders_accepted": len(accepted),
        "orders_in_db": len(orders),
        "oversold_units": max(0, ordered - units),
        "negative_stock_rows": Stock.objects.filter(variant_id=variant_id, quantity__lt=0).count(),
        "stock_left": stock_left,
        "pushed_to_later_days": sum(1 for o in orders.values() if o.ships_by != first_day),
        "preorders": sum(1 for _, _, preorder in accepted if preorder),
        "waitlist_entries": WaitlistEntry.objects.filter(product__shop=shop).count(),
        "sold_out_waitlisted": sum(t.sold_out for t in tallies),
        "requoted_after_ships_by_changed": sum(t.requoted for t in tallies),
        "refused_other": sum(t.refused for t in tallies),
        "stored_ships_by_differs_from_shown": mismatched,
        "days_over_capacity": ShipDay.objects.filter(shop=shop, booked__gt=F("capacity")).count(),
        "orders_per_ship_day": {
            str(day.day): day.booked for day in ShipDay.objects.filter(shop=shop) if day.booked
        },
    }


def main() -> int:
    args = parse_args()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


def run(args) -> int:
    vendor = connection.vendor
    threads = args.threads if vendor == "postgresql" else 1
    burst_size = args.normal * args.factor
    shop, variant_id = make_shop("Viral Lab", capacity=args.capacity, args=args)
    product_id = shop.products.get().pk
    normal, _ = run_phase(make_buyers("normal", args.normal), variant_id, product_id, threads=1)
    burst, seconds = run_phase(
        make_buyers("burst", burst_size), variant_id, product_id, threads=threads
    )
    result = check(shop, variant_id, [normal, burst], args.units)

    base_shop, base_variant = make_shop("Baseline Lab", capacity=None, args=args)
    base_product = base_shop.products.get().pk
    baseline, base_seconds = run_phase(
        make_buyers("base", burst_size), base_variant, base_product, threads=threads
    )
    rate = len(burst.accepted) / seconds if seconds else 0.0
    base_rate = len(baseline.accepted) / base_seconds if base_seconds else 0.0

    print(f"database: {vendor}, buyers at once: {threads}")
    print(
        f"normal hour: {args.normal} orders; burst: {burst_size} buyers "
        f"({args.factor}×); capacity {args.capacity}/day, backlog limit {args.backlog} "
        f"business days, then {args.past_limit}; {args.units} units"
    )
    for name, value in result.items():
        print(f"  {name}: {value}")
    print(f"burst with capacity: {len(burst.accepted)} orders in {seconds:.2f} s = {rate:.1f}/s")
    print(
        f"baseline, no capacity: {len(baseline.accepted)} orders in {base_seconds:.2f} s "
        f"= {base_rate:.1f}/s"
    )
    print(f"ratio (capacity / baseline orders per second): {rate / base_rate:.2f}")
    failed = (
        result["oversold_units"]
        or result["negative_stock_rows"]
        or result["stored_ships_by_differs_from_shown"]
        or result["days_over_capacity"]
        or result["orders_accepted"] != result["orders_in_db"]
    )
    print("checks:", "FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
