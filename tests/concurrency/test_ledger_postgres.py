"""The ledger under real concurrency on PostgreSQL: two payout runs at once pay one transfer,
and two postings of one order at once make one transaction."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from clipcart.ledger import services
from clipcart.ledger.models import LedgerTransaction, Payout, TestPayoutTransfer

from ..ledger.helpers import deliver, ledger_sums_to_zero, paid_order, shop_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(fn, times: int = 2) -> list:
    def run(_):
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))


def test_two_payout_runs_at_once_pay_once(shopper, shop, product):
    shop.status = "active"
    shop.save()
    deliver(paid_order(shopper, product))
    services.settle()

    _in_threads(services.run_payouts)

    assert Payout.objects.count() == 1
    assert Payout.objects.get().status == "paid"
    assert TestPayoutTransfer.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1
    assert shop_balance(shop.pk, "seller_available") == Decimal("0.00")
    assert ledger_sums_to_zero()


def test_two_postings_of_one_paid_order_at_once_make_one_transaction(shopper, product):
    order = paid_order(shopper, product)

    keys = _in_threads(lambda: services.post_order_paid(order_id=order.pk).key, times=4)

    assert set(keys) == {f"order-paid:{order.pk}"}
    assert LedgerTransaction.objects.filter(kind="order_paid").count() == 1
    assert ledger_sums_to_zero()


def test_a_hold_racing_the_settlement_holds_the_whole_order_once(shopper, shop, product):
    shop.status = "active"
    shop.save()
    order = paid_order(shopper, product)
    deliver(order)
    services.post_order_paid(order_id=order.pk)
    work = [
        lambda: services.settle_order(order_id=order.pk),
        lambda: services.hold_order(order_id=order.pk, reason="Dispute", key="dp-race"),
    ]

    def run(task):
        try:
            return task()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, work))

    # Whichever came first, the order's money ends held, and nowhere else.
    assert shop_balance(shop.pk, "seller_held") == Decimal("23.79")
    assert shop_balance(shop.pk, "seller_pending") == Decimal("0.00")
    assert shop_balance(shop.pk, "seller_available") == Decimal("0.00")
    assert ledger_sums_to_zero()
