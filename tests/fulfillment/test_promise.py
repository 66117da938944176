"""The honest ships-by date: the shop's calendar, handling by kind, daily capacity and the
viral-mode switch to waitlist or pre-order, kept from the product page to the order."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clipcart.catalog.models import Shop
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import Conflict
from clipcart.fulfillment import clock, selectors, services
from clipcart.fulfillment.models import ShipDay, ShopVacation
from clipcart.orders.models import Order

from ..conftest import ADDRESS
from ..factories import UserFactory, buy, make_product

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC"))  # no public holiday that week

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _set(shop: Shop, **fields) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(**fields)
    shop.refresh_from_db()
    return shop


def test_the_shop_calendar_reads_its_time_zone_country_and_vacations(shop):
    _set(shop, time_zone="Pacific/Auckland", country="NZ")
    ShopVacation.objects.create(shop=shop, start=date(2026, 3, 4), end=date(2026, 3, 5))

    calendar = clock.shop_calendar(shop_id=shop.pk)

    assert calendar.time_zone == "Pacific/Auckland" and calendar.country == "NZ"
    assert calendar.local_date() == date(2026, 3, 3)  # already Tuesday in Auckland
    assert not calendar.is_business_day(date(2026, 3, 4))
    assert calendar.add_business_days(date(2026, 3, 3), 1) == date(2026, 3, 6)


def test_a_public_holiday_of_the_shops_country_is_not_a_ship_day(shop, product):
    _set(shop, country="DE", handling_days=1)
    with time_machine.travel(datetime(2026, 4, 2, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        detail = selectors.promise(product, available=10)
    # Thursday + 1 business day skips Good Friday (3 April) and the weekend and Easter Monday.
    assert detail.ships_by == date(2026, 4, 7)


def test_a_product_page_promise_is_today_plus_handling_business_days(shop, product):
    promise = selectors.promise(product, available=10)

    assert promise.state == selectors.State.BUY
    assert promise.ships_by == date(2026, 3, 4)  # shop default 2 business days
    assert promise.delivers_by == date(2026, 3, 11)  # + 5 business days in transit


def test_made_to_order_counts_its_own_handling_days(shop):
    product = make_product(shop=shop, handling_kind="made_to_order", handling_days=10)

    assert selectors.promise(product, available=1).ships_by == date(2026, 3, 16)


def test_a_preorder_ships_on_its_date_and_is_labelled_preorder(shop):
    product = make_product(shop=shop, handling_kind="preorder", ships_on="2026-03-20")

    promise = selectors.promise(product, available=1)
    assert promise.state == selectors.State.PREORDER and promise.ships_by == date(2026, 3, 20)


def test_when_a_day_is_full_the_next_day_with_room_is_promised(shop, product):
    _set(shop, daily_capacity=2, backlog_limit_days=3)
    ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=2, capacity=2)

    promise = selectors.promise(product, available=10)

    assert promise.state == selectors.State.BUY
    assert promise.ships_by == date(2026, 3, 5) and promise.backlog_days == 1


def test_past_the_backlog_limit_a_waitlist_shop_stops_selling(shop, product):
    _set(shop, daily_capacity=1, backlog_limit_days=1, past_limit="waitlist")
    for day in (date(2026, 3, 4), date(2026, 3, 5)):
        ShipDay.objects.create(shop=shop, day=day, booked=1, capacity=1)

    promise = selectors.promise(product, available=10)

    assert promise.state == selectors.State.WAITLIST and promise.ships_by is None
    assert promise.reason == "capacity"


def test_past_the_backlog_limit_a_preorder_shop_sells_with_the_later_honest_date(shop, product):
    _set(shop, daily_capacity=1, backlog_limit_days=1, past_limit="preorder")
    for day in (date(2026, 3, 4), date(2026, 3, 5)):
        ShipDay.objects.create(shop=shop, day=day, booked=1, capacity=1)

    promise = selectors.promise(product, available=10)

    assert promise.state == selectors.State.PREORDER and promise.ships_by == date(2026, 3, 6)


def test_a_sold_out_product_takes_a_waitlist_or_shows_sold_out_as_the_seller_chose(shop):
    waiting = make_product(shop=shop, title="A", stock=0)
    plain = make_product(shop=shop, title="B", stock=0, when_sold_out="sold_out")

    assert selectors.promise(waiting, available=0).state == selectors.State.WAITLIST
    assert selectors.promise(plain, available=0).state == selectors.State.SOLD_OUT


def test_an_order_stores_the_ships_by_and_delivers_by_it_was_shown(shopper, shop, product):
    _set(shop, daily_capacity=5)

    orders = buy(shopper, [product.variants.get().pk])

    order = Order.objects.get(pk=orders[0]["id"])
    assert order.ships_by == date(2026, 3, 4) and order.delivers_by == date(2026, 3, 11)
    assert orders[0]["delivers_by"] == "2026-03-11"
    assert ShipDay.objects.get(shop=shop, day=date(2026, 3, 4)).booked == 1


def test_orders_beyond_a_days_capacity_are_booked_on_the_next_day(shop, product):
    _set(shop, daily_capacity=2, backlog_limit_days=5)
    variant_id = product.variants.get().pk

    days = [buy(UserFactory(), [variant_id])[0]["ships_by"] for _ in range(5)]

    assert days == ["2026-03-04", "2026-03-04", "2026-03-05", "2026-03-05", "2026-03-06"]
    assert all(d.booked <= d.capacity for d in ShipDay.objects.filter(shop=shop))


def _cart_with(user, variant_id):
    cart = checkout_services.get_or_create_cart(user=user)
    checkout_services.add_item(cart=cart, variant_id=variant_id, quantity=1)
    return cart


def test_a_day_that_filled_after_the_buyer_looked_is_refused_and_nothing_is_charged(
    shopper, shop, product
):
    _set(shop, daily_capacity=1, backlog_limit_days=5)
    cart = _cart_with(shopper, product.variants.get().pk)
    prepared = checkout_services.prepare_checkout(
        cart=cart, shipping_address=ADDRESS, payment={"method": "test", "token": "tok_visa"}
    )
    assert prepared.quote.shops[0].ships_by == date(2026, 3, 4)
    buy(UserFactory(), [product.variants.get().pk])  # takes the last slot of that day

    with pytest.raises(Conflict) as refused:
        checkout_services.place_order(buyer=shopper, prepared=prepared)

    assert refused.value.code == "ships_by_changed"
    assert not Order.objects.filter(buyer=shopper).exists()
    from clipcart.payments.models import Payment

    assert not Payment.objects.filter(buyer=shopper, status="captured").exists()
    assert product.variants.get().stock_rows.get().quantity == 9  # the units came back


def test_a_shown_date_earlier_than_what_the_shop_can_keep_is_refused_up_front(
    shopper, shop, product
):
    cart = _cart_with(shopper, product.variants.get().pk)

    with pytest.raises(Conflict) as refused:
        checkout_services.prepare_checkout(
            cart=cart,
            shipping_address=ADDRESS,
            payment={"method": "test", "token": "tok_visa"},
            shown_ships_by={str(shop.pk): "2026-03-03"},
        )
    assert refused.value.code == "ships_by_changed"


def test_a_booked_up_waitlist_shop_refuses_cart_items_and_checkout(shopper, shop, product):
    variant_id = product.variants.get().pk
    cart = _cart_with(shopper, variant_id)
    _set(shop, daily_capacity=1, backlog_limit_days=0, past_limit="waitlist")
    ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=1, capacity=1)

    with pytest.raises(Conflict) as refused:
        checkout_services.add_item(cart=cart, variant_id=variant_id, quantity=1)
    assert refused.value.code == "waitlist_only"
    with pytest.raises(Conflict) as refused:
        checkout_services.prepare_checkout(
            cart=cart, shipping_address=ADDRESS, payment={"method": "test", "token": "tok_visa"}
        )
    assert refused.value.code == "waitlist_only"


def test_the_api_product_ships_by_is_the_capacity_aware_date(api, shop, product):
    _set(shop, daily_capacity=1, backlog_limit_days=3)
    ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=1, capacity=1)

    assert api.get(f"/products/{product.pk}").json()["ships_by"] == "2026-03-05"


def test_a_preorder_product_with_units_sells_no_more_than_them(shop):
    product = make_product(shop=shop, stock=0)
    services.start_preorder(shop=shop, product_id=product.pk, ships_on="2026-03-20", units=2)
    variant_id = product.variants.get().pk

    orders = [buy(UserFactory(), [variant_id])[0] for _ in range(2)]
    with pytest.raises(Conflict):
        buy(UserFactory(), [variant_id])

    assert {o["ships_by"] for o in orders} == {"2026-03-20"}
    assert product.variants.get().stock_rows.get().quantity == 0


def test_the_capacity_check_constraint_refuses_an_overbooked_day(shop):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ShipDay.objects.create(shop=shop, day=date(2026, 3, 4), booked=3, capacity=2)


def test_capacity_lowered_below_bookings_pushes_new_orders_without_breaking_old_ones(shop, product):
    _set(shop, daily_capacity=3, backlog_limit_days=5)
    variant_id = product.variants.get().pk
    for _ in range(2):
        buy(UserFactory(), [variant_id])
    _set(shop, daily_capacity=1)

    assert buy(UserFactory(), [variant_id])[0]["ships_by"] == "2026-03-05"
    assert ShipDay.objects.get(shop=shop, day=date(2026, 3, 4)).booked == 2


def test_next_ship_days_show_booked_against_capacity(shop, product):
    _set(shop, daily_capacity=4)
    buy(UserFactory(), [product.variants.get().pk])

    loads = selectors.upcoming_ship_days(shop, calendar=clock.calendar_of(shop), count=3)

    assert [(d.day, d.booked, d.left) for d in loads] == [
        (date(2026, 3, 2), 0, 4),
        (date(2026, 3, 3), 0, 4),
        (date(2026, 3, 4), 1, 3),
    ]
    assert MONDAY.date() + timedelta(days=2) == loads[2].day
