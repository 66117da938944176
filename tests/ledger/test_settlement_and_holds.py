"""Settlement after delivery, returns and holds that keep one order's money back, and the
rolling reserve of shops on probation."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.ledger import services
from clipcart.ledger.models import Account, Hold, Reserve

from .helpers import deliver, paid_order, refund, shop_balance

pytestmark = pytest.mark.django_db
K = Account.Kind
D = Decimal


@pytest.fixture
def active_shop(shop):
    shop.status = "active"
    shop.save()
    return shop


def test_money_becomes_available_seven_days_after_delivery(shopper, active_shop, product):
    order = paid_order(shopper, product)
    deliver(order, days_ago=6)
    services.settle()
    assert shop_balance(active_shop.pk, K.SELLER_PENDING) == D("23.79")
    services.settle(now=timezone.now() + timedelta(days=1, minutes=1))
    assert shop_balance(active_shop.pk, K.SELLER_PENDING) == D("0.00")
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("23.79")


def test_an_undelivered_order_stays_pending(shopper, active_shop, product):
    paid_order(shopper, product)
    services.settle(now=timezone.now() + timedelta(days=60))
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("0.00")


def test_an_open_return_keeps_the_order_pending(shopper, active_shop, product):
    order = paid_order(shopper, product)
    deliver(order)
    with mock.patch("clipcart.returns.selectors.orders_with_open_returns", return_value={order.pk}):
        services.settle()
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("0.00")
    services.settle()
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("23.79")


def test_a_probation_shop_keeps_a_reserve_until_its_release_date(shopper, shop, product):
    order = paid_order(shopper, product)
    deliver(order)
    services.settle()
    reserve = Reserve.objects.get(order_id=order.pk)
    assert reserve.amount == D("2.38")  # 10% of 23.79, half up
    assert reserve.release_on == (timezone.now() + timedelta(days=30)).date()
    assert shop_balance(shop.pk, K.SELLER_RESERVED) == D("2.38")
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("21.41")
    services.settle(now=timezone.now() + timedelta(days=29))
    assert shop_balance(shop.pk, K.SELLER_RESERVED) == D("2.38")
    services.settle(now=timezone.now() + timedelta(days=31))
    assert shop_balance(shop.pk, K.SELLER_RESERVED) == D("0.00")
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("23.79")
    assert Reserve.objects.get(pk=reserve.pk).released_at is not None


def test_a_hold_moves_only_that_orders_money_and_blocks_its_settlement(
    shopper, active_shop, product
):
    disputed = paid_order(shopper, product)
    other = paid_order(shopper, product)
    deliver(disputed)
    deliver(other)
    hold = services.hold_order(order_id=disputed.pk, reason="Buyer disputed", key="dp_1")
    assert hold.amount == D("23.79") and hold.source == K.SELLER_PENDING
    services.settle()
    assert shop_balance(active_shop.pk, K.SELLER_HELD) == D("23.79")
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("23.79")  # the other order
    services.release_hold(key="dp_1", note="Dispute won")
    services.settle()
    assert shop_balance(active_shop.pk, K.SELLER_HELD) == D("0.00")
    assert shop_balance(active_shop.pk, K.SELLER_AVAILABLE) == D("47.58")


def test_a_refund_of_a_held_order_comes_out_of_the_held_money(shopper, active_shop, product):
    order = paid_order(shopper, product)
    services.hold_order(order_id=order.pk, reason="Buyer disputed", key="dp_2")
    services.post_line_refund(line_refund_id=refund(order, "20.00").pk)
    assert shop_balance(active_shop.pk, K.SELLER_HELD) == D("4.99")  # the shipping is kept
    services.release_hold(key="dp_2")
    assert shop_balance(active_shop.pk, K.SELLER_PENDING) == D("4.99")


def test_the_same_hold_key_is_one_hold_and_releasing_twice_changes_nothing(shopper, product):
    order = paid_order(shopper, product)
    services.hold_order(order_id=order.pk, reason="Dispute", key="dp_3")
    services.hold_order(order_id=order.pk, reason="Dispute", key="dp_3")
    assert Hold.objects.count() == 1
    services.release_hold(key="dp_3")
    services.release_hold(key="dp_3")
    assert shop_balance(order.shop_id, K.SELLER_PENDING) == D("23.79")


@pytest.mark.parametrize("reason, key", [("", "k"), ("Dispute", ""), ("Dispute", "a b")])
def test_a_hold_needs_a_reason_and_a_key(shopper, product, reason, key):
    order = paid_order(shopper, product)
    with pytest.raises(InvalidInput):
        services.hold_order(order_id=order.pk, reason=reason, key=key)


def test_a_hold_key_cannot_name_two_orders(shopper, product):
    first, second = paid_order(shopper, product), paid_order(shopper, product)
    services.hold_order(order_id=first.pk, reason="Dispute", key="dp_4")
    with pytest.raises(Conflict):
        services.hold_order(order_id=second.pk, reason="Dispute", key="dp_4")


def test_holding_an_unknown_order_or_releasing_an_unknown_hold_is_not_found(db):
    with pytest.raises(NotFound):
        services.hold_order(order_id=999999, reason="Dispute", key="dp_5")
    with pytest.raises(NotFound):
        services.release_hold(key="nope")
