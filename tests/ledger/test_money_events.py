"""The money events of an order: paid, refunded, cancelled — each one balanced transaction,
posted once, with the fee, commission and seller's share where they belong."""

from decimal import Decimal

import pytest

from clipcart.affiliate import services as affiliate_services
from clipcart.core.errors import Conflict
from clipcart.ledger import services
from clipcart.ledger.models import Account, LedgerTransaction, OrderFee
from clipcart.orders import services as order_services

from ..affiliate.helpers import anchor_click, open_plan_with
from .helpers import (
    creator_balance,
    deliver,
    ledger_sums_to_zero,
    paid_order,
    platform_balance,
    refund,
    shop_balance,
)

pytestmark = pytest.mark.django_db
K = Account.Kind
D = Decimal


def test_a_paid_order_splits_into_fee_and_seller_pending(shopper, shop, product):
    order = paid_order(shopper, product)  # 20.00 + 4.99 shipping
    services.post_order_paid(order_id=order.pk)
    assert platform_balance(K.PLATFORM_CLEARING) == D("24.99")
    assert platform_balance(K.PLATFORM_FEES) == D("1.20")  # 6% of the items, not shipping
    assert shop_balance(shop.pk, K.SELLER_PENDING) == D("23.79")
    fee = OrderFee.objects.get(order_id=order.pk)
    assert fee.lines[0]["percent"] == "6" and fee.lines[0]["rule_id"] is None
    assert ledger_sums_to_zero()


def test_posting_an_order_twice_is_one_transaction(shopper, product):
    order = paid_order(shopper, product)
    first = services.post_order_paid(order_id=order.pk)
    again = services.post_order_paid(order_id=order.pk)
    assert first.pk == again.pk
    assert LedgerTransaction.objects.filter(key=f"order-paid:{order.pk}").count() == 1
    services.post_missing()
    assert LedgerTransaction.objects.filter(kind="order_paid").count() == 1


def test_the_commission_of_an_order_goes_to_the_creators_pending(
    seller, shop, product, creator, shopper
):
    plan = open_plan_with(seller, shop, [product], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product)
    order = paid_order(shopper, product, quantity=2)  # 40.00, ships free (threshold 50? no)
    services.post_order_paid(order_id=order.pk)
    assert creator_balance(creator.pk, K.CREATOR_PENDING) == D("4.00")
    assert shop_balance(shop.pk, K.SELLER_PENDING) == order.total - D("2.40") - D("4.00")


def test_refunds_of_halves_give_back_exactly_the_whole_fee_and_commission(
    seller, shop, product, creator, shopper
):
    plan = open_plan_with(seller, shop, [product], rate="7")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product)
    order = paid_order(shopper, product, quantity=3)  # 60.00 ships free; fee 3.60, comm 4.20
    services.post_order_paid(order_id=order.pk)
    for key, amount in (("a", "20.01"), ("b", "19.99"), ("c", "20.00")):
        services.post_line_refund(line_refund_id=refund(order, amount, key=key).pk)
    assert platform_balance(K.PLATFORM_FEES) == D("0.00")
    assert creator_balance(creator.pk, K.CREATOR_PENDING) == D("0.00")
    assert shop_balance(shop.pk, K.SELLER_PENDING) == D("0.00")
    assert platform_balance(K.PLATFORM_CLEARING) == D("0.00")
    assert ledger_sums_to_zero()


def test_a_refund_after_settlement_comes_out_of_available(shopper, shop, product):
    order = paid_order(shopper, product)
    services.post_order_paid(order_id=order.pk)
    deliver(order)
    shop.status = "active"
    shop.save()
    services.settle()
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("23.79")
    services.post_line_refund(line_refund_id=refund(order, "10.00").pk)
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("23.79") - D("10.00") + D("0.60")
    assert shop_balance(shop.pk, K.SELLER_PENDING) == D("0.00")


def test_a_cancelled_order_is_reversed_in_full(shopper, shop, product):
    order = paid_order(shopper, product)
    services.post_order_paid(order_id=order.pk)
    order_services.cancel_order(order_id=order.pk, actor=None, reason="Out of stock")
    services.post_order_cancelled(order_id=order.pk)
    for kind in (K.PLATFORM_CLEARING, K.PLATFORM_FEES):
        assert platform_balance(kind) == D("0.00")
    assert shop_balance(shop.pk, K.SELLER_PENDING) == D("0.00")


def test_an_order_still_paid_cannot_be_booked_as_cancelled(shopper, product):
    order = paid_order(shopper, product)
    with pytest.raises(Conflict):
        services.post_order_cancelled(order_id=order.pk)


def test_the_catch_up_books_orders_refunds_and_cancellations_it_finds(
    shopper, shop, product, monkeypatch
):
    # As if the live postings had been lost (a crash, or rows written outside the services).
    for name in ("post_order_paid", "post_line_refund", "post_order_cancelled"):
        monkeypatch.setattr(services, name, lambda **kwargs: None)
    kept = paid_order(shopper, product)
    refund(kept, "5.00")
    gone = paid_order(shopper, product)
    order_services.cancel_order(order_id=gone.pk, actor=None, reason="Buyer asked")
    monkeypatch.undo()
    done = services.post_missing()
    assert (done.orders_paid, done.line_refunds, done.orders_cancelled) == (2, 1, 1)
    assert services.post_missing().total == 0
    assert platform_balance(K.PLATFORM_CLEARING) == kept.total - D("5.00")
    assert ledger_sums_to_zero()
