"""The demo's money: fee rules (a default and one category's), a launch promotion for new
sellers, then every demo order, refund and commission booked through the ledger's catch-up,
settled as of the demo's "now", and the balances above the minimum paid out, so that seller
and creator statements show money moving pending → available → paid, and the operator's
reconciliation has something to prove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from clipcart.affiliate import services as affiliate_services
from clipcart.catalog.models import Category
from clipcart.ledger import services
from clipcart.ledger.models import SellerIncentive


@dataclass
class LedgerCounts:
    posted: int = 0
    settled: int = 0
    reserves_released: int = 0
    payouts: int = 0


def seed(*, base: datetime) -> LedgerCounts:
    """Books the demo. Precondition: after the orders, returns and commissions are written;
    `base` is the demo's "now"."""
    _fees()
    # Payouts run weekly: last week's run paid what was payable then; what became payable
    # since waits for the next run, so the demo shows money in every state.
    last_run = base - timedelta(days=7)
    affiliate_services.release_payable(now=last_run)
    caught_up = services.post_missing(limit=100_000)
    settled = services.settle_due(now=last_run)
    payouts = services.run_payouts()
    affiliate_services.release_payable(now=base)
    caught_up_now = services.post_missing(limit=100_000)
    settled += services.settle_due(now=base)
    released = services.release_reserves(now=base)
    return LedgerCounts(
        posted=caught_up.total + caught_up_now.total,
        settled=settled,
        reserves_released=released,
        payouts=len(payouts),
    )


def _fees() -> None:
    services.set_fee_rule(category_id=None, percent="6", listing_fee="0")
    category = Category.objects.order_by("pk").first()
    if category is not None:
        services.set_fee_rule(category_id=category.pk, percent="8")
    SellerIncentive.objects.get_or_create(
        name="Launch offer: no fee on your first $500",
        defaults={
            "days": 60,
            "gmv_limit": Decimal("500.00"),
            "fee_percent": Decimal("0"),
            "free_listings": True,
            "shipping_subsidy": Decimal("5.00"),
        },
    )
