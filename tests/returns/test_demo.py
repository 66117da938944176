"""The demo's returns: one in every state on recent delivered orders, made by the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clipcart.demo import returns as demo_returns
from clipcart.orders.models import LineRefund
from clipcart.returns.models import Return

from .conftest import bought, deliver

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_return_in_every_state(shopper, product):
    for _ in range(9):
        deliver(bought(shopper, product, quantity=1).pk)

    counts = demo_returns.seed(base=timezone.now())

    assert set(counts.by_status) == {name for name, _ in demo_returns.STORIES}
    assert counts.total == 9
    statuses = set(Return.objects.values_list("status", flat=True))
    assert statuses == {
        "requested",
        "approved",
        "shipped",
        "received",
        "refunded",
        "rejected",
        "cancelled",
    }
    assert Return.objects.filter(auto_approved=True).count() == 1
    assert LineRefund.objects.filter(key__contains=":return-").count() == 2
    assert Return.objects.filter(photos__isnull=False).distinct().count() == 3


def test_the_demo_skips_returns_when_no_order_is_recent(shopper, product):
    deliver(bought(shopper, product, quantity=1).pk)
    counts = demo_returns.seed(base=timezone.now() + timedelta(days=40))
    assert counts.total == 0
