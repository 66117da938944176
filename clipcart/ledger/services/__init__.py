"""Writes of the ledger, by topic. Callers import this package; the modules are:

- `posting`: `post`, the one function that writes transactions (balanced, once per key);
- `events`: the money events of orders, refunds, cancellations, commissions, listing fees;
- `catchup`: `post_missing`, which posts any event still without its transaction;
- `fees`: fee rules and new-seller incentives;
- `settlement`: pending → available, rolling reserves, holds;
- `payouts`: payout runs through a provider, with idempotency keys.
"""

from .catchup import CatchUp, post_missing
from .events import (
    charge_listing_fee,
    post_commission,
    post_commission_adjustment,
    post_commission_payable,
    post_line_refund,
    post_order_cancelled,
    post_order_paid,
)
from .fees import check_fee_percent, set_fee_rule
from .payouts import (
    deliver,
    initiate_payout,
    record_result,
    run_payouts,
    set_payout_destination,
)
from .posting import Leg, UnbalancedTransaction, post
from .settlement import (
    hold_order,
    release_hold,
    release_reserves,
    settle_chargeback,
    settle_due,
    settle_order,
)

__all__ = [
    "CatchUp",
    "Leg",
    "UnbalancedTransaction",
    "charge_listing_fee",
    "check_fee_percent",
    "deliver",
    "hold_order",
    "initiate_payout",
    "post",
    "post_commission",
    "post_commission_adjustment",
    "post_commission_payable",
    "post_line_refund",
    "post_missing",
    "post_order_cancelled",
    "post_order_paid",
    "record_result",
    "release_hold",
    "release_reserves",
    "run_payouts",
    "set_fee_rule",
    "set_payout_destination",
    "settle",
    "settle_chargeback",
    "settle_due",
    "settle_order",
]


def settle(*, now=None) -> dict[str, int]:
    """The `ledger.settle` run: catch up on unposted events, settle due orders, release due
    reserves."""
    caught_up = post_missing()
    return {
        "posted": caught_up.total,
        "settled": settle_due(now=now),
        "reserves_released": release_reserves(now=now),
    }
