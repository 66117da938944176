"""Shop fulfillment settings and their bad input, vacations, waitlists, surge alerts and the
dispatch deadlines (late marking and auto-cancel)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Shop
from clipcart.fulfillment import services
from clipcart.fulfillment.models import ShopVacation, SurgeAlert, WaitlistEntry
from clipcart.orders.models import Order

from ..factories import UserFactory, buy, make_product

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC"))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


# --- Settings --------------------------------------------------------------------------------


def test_a_seller_sets_calendar_and_capacity_through_the_api(seller_api, shop):
    response = seller_api.patch(
        f"/shops/{shop.pk}/fulfillment",
        {
            "time_zone": "Europe/Berlin",
            "country": "de",
            "handling_days": 1,
            "daily_capacity": 40,
            "backlog_limit_days": 2,
            "past_limit": "preorder",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["time_zone"], body["country"], body["daily_capacity"]) == (
        "Europe/Berlin",
        "DE",
        40,
    )
    assert body["ship_days"][0] == {"day": "2026-03-02", "booked": 0, "capacity": 40}
    assert body["metrics"]["late_rate"] == 0


def test_capacity_null_removes_the_limit(seller_api, shop):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=5)

    response = seller_api.patch(f"/shops/{shop.pk}/fulfillment", {"daily_capacity": None})

    assert response.status_code == 200 and response.json()["daily_capacity"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"daily_capacity": 0}, "capacity_not_positive"),
        ({"daily_capacity": -1}, "capacity_not_positive"),
        ({"time_zone": "Mars/Olympus"}, "unknown_time_zone"),
        ({"time_zone": "../../etc/passwd"}, "unknown_time_zone"),
        ({"country": "XX"}, "unknown_country"),
        ({"handling_days": 3}, "handling_days_out_of_range"),
        ({"handling_days": 0}, "handling_days_out_of_range"),
        ({"backlog_limit_days": 31}, "backlog_limit_out_of_range"),
        ({"past_limit": "oversell"}, "invalid_past_limit"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(seller_api, shop, body, code):
    response = seller_api.patch(f"/shops/{shop.pk}/fulfillment", body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    shop.refresh_from_db()
    assert (shop.daily_capacity, shop.time_zone, shop.handling_days) == (None, "UTC", 2)


def test_wrong_types_in_settings_are_a_422(seller_api, shop):
    assert (
        seller_api.patch(f"/shops/{shop.pk}/fulfillment", {"daily_capacity": "5"}).status_code
        == 422
    )
    assert seller_api.patch(f"/shops/{shop.pk}/fulfillment", {"time_zone": None}).status_code == 422


def test_another_shops_fulfillment_is_not_found(seller_api, other_shop):
    assert seller_api.get(f"/shops/{other_shop.pk}/fulfillment").status_code == 404
    response = seller_api.patch(f"/shops/{other_shop.pk}/fulfillment", {"daily_capacity": 5})
    assert response.status_code == 404
    assert seller_api.get(f"/shops/{other_shop.pk}/fulfillment/vacations").status_code == 404
    other_shop.refresh_from_db()
    assert other_shop.daily_capacity is None


def test_handling_days_are_checked_per_kind(shop):
    from clipcart.core.errors import InvalidInput

    for kind, days in [
        ("in_stock", 4),
        ("made_to_order", 2),
        ("made_to_order", 15),
        ("backorder", 16),
        ("backorder", 2),
    ]:
        with pytest.raises(InvalidInput) as refused:
            make_product(shop=shop, handling_kind=kind, handling_days=days)
        assert refused.value.code == "handling_days_out_of_range", (kind, days)
    assert make_product(shop=shop, handling_kind="backorder", handling_days=15).handling_days == 15


def test_a_preorder_date_in_the_past_or_too_far_is_refused(seller_api, shop):
    past = seller_api.post(
        f"/shops/{shop.pk}/products",
        {
            "title": "Drop",
            "price": "10.00",
            "currency": "USD",
            "handling_kind": "preorder",
            "ships_on": "2026-03-01",
        },
    )
    far = seller_api.post(
        f"/shops/{shop.pk}/products",
        {
            "title": "Drop",
            "price": "10.00",
            "currency": "USD",
            "handling_kind": "preorder",
            "ships_on": "2026-06-01",
        },
    )

    assert past.json()["error"]["code"] == "preorder_date_in_past"
    assert far.json()["error"]["code"] == "preorder_date_too_far"


def test_the_older_handling_days_field_still_works_and_picks_the_kind(seller_api, shop):
    response = seller_api.post(
        f"/shops/{shop.pk}/products",
        {"title": "Vase", "price": "30.00", "currency": "USD", "stock": 3, "handling_days": 7},
    )

    assert response.status_code == 201
    product = shop.products.get(pk=response.json()["id"])
    assert (product.handling_kind, product.handling_days) == ("made_to_order", 7)


def test_a_product_can_switch_kind_and_back_to_the_shop_default(shop, product):
    catalog_services.update_product(product=product, handling_kind="backorder", handling_days=9)
    catalog_services.update_product(product=product, handling_kind="in_stock", handling_days=None)

    product.refresh_from_db()
    assert (product.handling_kind, product.handling_days) == ("in_stock", None)


# --- Vacations -------------------------------------------------------------------------------


def test_vacations_are_added_listed_and_removed(seller_api, shop):
    created = seller_api.post(
        f"/shops/{shop.pk}/fulfillment/vacations",
        {"start": "2026-03-09", "end": "2026-03-13", "note": "Trade fair"},
    )
    assert created.status_code == 201
    listed = seller_api.get(f"/shops/{shop.pk}/fulfillment/vacations").json()["items"]
    assert [v["note"] for v in listed] == ["Trade fair"]

    removed = seller_api.delete(f"/shops/{shop.pk}/fulfillment/vacations/{created.json()['id']}")
    assert removed.status_code == 204 and not ShopVacation.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-03-10", "2026-03-09", "vacation_end_before_start"),
        ("2026-02-01", "2026-02-10", "vacation_in_past"),
        ("2026-03-10", "2026-06-10", "vacation_too_long"),
        ("2026-13-01", "2026-13-02", "invalid_date"),
    ],
)
def test_bad_vacations_are_refused(seller_api, shop, start, end, code):
    response = seller_api.post(
        f"/shops/{shop.pk}/fulfillment/vacations", {"start": start, "end": end}
    )

    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert not ShopVacation.objects.exists()


def test_overlapping_vacations_are_a_conflict(shop):
    from clipcart.core.errors import Conflict

    services.add_vacation(shop=shop, start="2026-03-09", end="2026-03-13")
    with pytest.raises(Conflict):
        services.add_vacation(shop=shop, start="2026-03-12", end="2026-03-20")


def test_another_shops_vacation_cannot_be_removed(seller_api, other_shop):
    vacation = services.add_vacation(shop=other_shop, start="2026-03-09", end="2026-03-10")

    response = seller_api.delete(f"/shops/{other_shop.pk}/fulfillment/vacations/{vacation.pk}")

    assert response.status_code == 404 and ShopVacation.objects.filter(pk=vacation.pk).exists()


def test_a_vacation_moves_the_promise_past_it(shop, product):
    from clipcart.fulfillment import selectors

    services.add_vacation(shop=shop, start="2026-03-03", end="2026-03-06")

    assert selectors.promise(product, available=5).ships_by == date(2026, 3, 10)


# --- Waitlists -------------------------------------------------------------------------------


def test_shoppers_join_once_and_are_told_in_joining_order_when_stock_returns(
    shop, django_capture_on_commit_callbacks
):
    product = make_product(shop=shop, stock=0)
    first, second = UserFactory(), UserFactory()
    services.join_waitlist(user=first, product_id=product.pk)
    services.join_waitlist(user=second, product_id=product.pk)
    services.join_waitlist(user=first, product_id=product.pk)  # twice: one entry

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.update_variant(shop=shop, variant_id=product.variants.get().pk, stock=3)
    services.notify_waitlists()  # the beat sweep repeats nobody

    notes = Notification.objects.filter(kind="waitlist_available").order_by("id")
    assert [n.user_id for n in notes] == [first.pk, second.pk]
    assert WaitlistEntry.objects.filter(notified_at__isnull=True).count() == 0


def test_the_waitlist_hears_nothing_while_the_product_cannot_be_bought(shop):
    product = make_product(shop=shop, stock=0)
    services.join_waitlist(user=UserFactory(), product_id=product.pk)

    assert services.notify_waitlists() == 0
    assert not Notification.objects.filter(kind="waitlist_available").exists()


def test_waitlist_join_and_leave_through_the_api(shopper_api, api, shop):
    product = make_product(shop=shop, stock=0)

    assert api.post(f"/products/{product.pk}/waitlist").status_code == 401
    assert shopper_api.post(f"/products/{product.pk}/waitlist").status_code == 201
    assert shopper_api.delete(f"/products/{product.pk}/waitlist").status_code == 204
    assert shopper_api.delete(f"/products/{product.pk}/waitlist").status_code == 404
    assert shopper_api.post("/products/999999/waitlist").status_code == 404


# --- Surge alerts ----------------------------------------------------------------------------


def _orders_at(shop, product, count: int, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        ids = [buy(UserFactory(), [product.variants.get().pk])[0]["id"] for _ in range(count)]
    Order.objects.filter(pk__in=ids).update(created_at=at)


def test_a_jump_in_orders_per_hour_alerts_the_shop_staff_once(seller, shop):
    product = make_product(shop=shop, stock=500)
    _orders_at(shop, product, 7, MONDAY - timedelta(days=3))  # a usual week: 1 order a day

    _orders_at(shop, product, 12, MONDAY - timedelta(minutes=10))
    first = services.check_surge(shop_id=shop.pk)
    again = services.check_surge(shop_id=shop.pk)

    assert first is not None and again is None and SurgeAlert.objects.count() == 1
    note = Notification.objects.get(user=seller, kind="surge_alert")
    assert note.url == f"/seller/{shop.pk}/fulfillment/"


def test_a_few_orders_are_not_a_surge(shop):
    product = make_product(shop=shop, stock=50)
    _orders_at(shop, product, 3, MONDAY - timedelta(minutes=5))

    assert services.check_surge(shop_id=shop.pk) is None


# --- Dispatch deadlines ----------------------------------------------------------------------


def test_an_unshipped_order_is_late_only_after_its_ships_by_day_ends(
    shopper, shop, product, _monday
):
    order_id = buy(shopper, [product.variants.get().pk])[0]["id"]  # ships by Wed 4 March

    _monday.move_to(datetime(2026, 3, 4, 23, 0, tzinfo=ZoneInfo("UTC")))
    services.sweep_dispatch_deadlines()
    assert Order.objects.get(pk=order_id).late_at is None

    _monday.move_to(datetime(2026, 3, 5, 0, 30, tzinfo=ZoneInfo("UTC")))
    services.sweep_dispatch_deadlines()
    assert Order.objects.get(pk=order_id).late_at is not None


def test_the_ships_by_day_ends_in_the_shops_time_zone(shopper, shop, product, _monday):
    Shop.objects.filter(pk=shop.pk).update(time_zone="America/Los_Angeles")
    order_id = buy(shopper, [product.variants.get().pk])[0]["id"]  # Mon 07:00 there → Wed

    _monday.move_to(datetime(2026, 3, 5, 6, 0, tzinfo=ZoneInfo("UTC")))  # Wed 22:00 in LA
    services.sweep_dispatch_deadlines()

    assert Order.objects.get(pk=order_id).late_at is None


def test_an_order_accepted_with_a_later_honest_date_is_never_late_before_it(shopper, shop, _monday):
    Shop.objects.filter(pk=shop.pk).update(daily_capacity=1, backlog_limit_days=20)
    product = make_product(shop=shop, stock=50)
    variant_id = product.variants.get().pk
    for _ in range(3):
        buy(UserFactory(), [variant_id])
    order_id = buy(shopper, [variant_id])[0]["id"]
    assert Order.objects.get(pk=order_id).ships_by == date(2026, 3, 9)

    _monday.move_to(datetime(2026, 3, 9, 20, 0, tzinfo=ZoneInfo("UTC")))
    services.sweep_dispatch_deadlines()

    assert Order.objects.get(pk=order_id).late_at is None


def test_no_shipment_7_business_days_after_purchase_cancels_refunds_and_tells_both(
    seller, shopper, shop, product, _monday
):
    order_id = buy(shopper, [product.variants.get().pk])[0]["id"]

    _monday.move_to(datetime(2026, 3, 11, 20, 0, tzinfo=ZoneInfo("UTC")))  # deadline day
    assert services.sweep_dispatch_deadlines()["cancelled"] == 0
    _monday.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=ZoneInfo("UTC")))
    result = services.sweep_dispatch_deadlines()
    again = services.sweep_dispatch_deadlines()

    order = Order.objects.get(pk=order_id)
    assert result["cancelled"] == 1 and again["cancelled"] == 0
    assert order.status == "cancelled"
    assert product.variants.get().stock_rows.get().quantity == 10
    assert Notification.objects.filter(user=shopper, kind="order_auto_cancelled").exists()
    assert Notification.objects.filter(user=seller, kind="order_auto_cancelled").exists()


def test_a_preorder_counts_its_deadline_from_its_ships_by_date(shopper, shop, _monday):
    product = make_product(shop=shop, handling_kind="preorder", ships_on="2026-03-20")
    order_id = buy(shopper, [product.variants.get().pk])[0]["id"]

    _monday.move_to(datetime(2026, 3, 23, 9, 0, tzinfo=ZoneInfo("UTC")))
    result = services.sweep_dispatch_deadlines()

    assert result["cancelled"] == 0 and Order.objects.get(pk=order_id).status == "paid"
    assert Order.objects.get(pk=order_id).late_at is not None  # past 20 March, unshipped


def test_a_shipped_order_is_neither_late_nor_cancelled(shopper, shop, product, _monday):
    order_id = buy(shopper, [product.variants.get().pk])[0]["id"]
    Order.objects.filter(pk=order_id).update(shipped_at=timezone.now())

    _monday.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=ZoneInfo("UTC")))
    assert services.sweep_dispatch_deadlines() == {"late": 0, "cancelled": 0}


def test_the_late_dispatch_rate_counts_late_orders_over_30_days(seller_api, shop, product, _monday):
    ids = [buy(UserFactory(), [product.variants.get().pk])[0]["id"] for _ in range(4)]
    Order.objects.filter(pk=ids[0]).update(late_at=timezone.now())

    metrics = seller_api.get(f"/shops/{shop.pk}/fulfillment").json()["metrics"]

    assert (metrics["orders"], metrics["late"], metrics["late_rate"]) == (4, 1, 0.25)
