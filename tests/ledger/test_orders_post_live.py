"""The orders app books its money events in the ledger in the same transaction: nothing waits
for the catch-up, and a cancellation after a partial refund gives back only the rest."""

from decimal import Decimal

import pytest

from clipcart.ledger import selectors, services
from clipcart.orders import services as order_services
from clipcart.payments.models import Refund

from .helpers import paid_order, refund

pytestmark = pytest.mark.django_db


def test_a_paid_order_is_in_the_ledger_before_any_catch_up(shopper, shop, product):
    order = paid_order(shopper, product)
    refund(order, "2.00")
    done = services.post_missing()
    assert (done.orders_paid, done.line_refunds) == (0, 0)
    assert selectors.reconciliation().ok


def test_cancelling_after_a_partial_refund_gives_back_only_the_rest(shopper, shop, product):
    order = paid_order(shopper, product)
    refund(order, "5.00")
    order_services.cancel_order(order_id=order.pk, actor=shopper, reason="Changed my mind")
    refunded = sum(
        Refund.objects.filter(payment_id=order.payment_id).values_list("amount", flat=True)
    )
    assert Decimal(refunded) == order.total
    done = services.post_missing()
    assert (done.orders_paid, done.line_refunds, done.orders_cancelled) == (0, 0, 0)
    assert selectors.reconciliation().ok
