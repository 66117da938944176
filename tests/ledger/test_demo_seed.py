"""The demo's ledger seed books what it finds, settles, pays out, and reconciles."""

import pytest
from django.utils import timezone

from clipcart.demo import ledger as demo_ledger
from clipcart.ledger import selectors
from clipcart.ledger.models import Payout

from .helpers import deliver, paid_order, refund

pytestmark = pytest.mark.django_db


def test_the_demo_seed_books_settles_pays_and_reconciles(shopper, shop, product):
    shop.status = "active"
    shop.save()
    delivered = paid_order(shopper, product, quantity=2)
    deliver(delivered, days_ago=20)
    refund(paid_order(shopper, product), "5.00")
    counts = demo_ledger.seed(base=timezone.now())
    # Orders paid through checkout were booked then; the catch-up adds the listing fee.
    assert counts.posted >= 1 and counts.settled == 1 and counts.payouts == 1
    assert Payout.objects.get().status == "paid"
    assert selectors.reconciliation().ok
    assert demo_ledger.seed(base=timezone.now()).posted == 0
