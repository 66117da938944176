"""`post_missing`: finds money events that have no transaction yet and posts them, in causal
order (payments before refunds before cancellations before payable moves). Run by
`ledger.settle`, it heals a crash between an event and its posting, and books anything that
happened before the ledger existed (the demo)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from clipcart.affiliate.models import Commission, CommissionAdjustment
from clipcart.catalog.models import Product
from clipcart.orders.models import LineRefund, Order, OrderEvent, OrderStatus

from ..models import LedgerTransaction
from . import events

logger = logging.getLogger(__name__)
T = LedgerTransaction.Kind
BATCH = 500


@dataclass
class CatchUp:
    orders_paid: int = 0
    line_refunds: int = 0
    orders_cancelled: int = 0
    commissions: int = 0
    commissions_payable: int = 0
    adjustments: int = 0
    listing_fees: int = 0

    @property
    def total(self) -> int:
        return sum(vars(self).values())


def _keys(kind: str) -> set[str]:
    return set(LedgerTransaction.objects.filter(kind=kind).values_list("key", flat=True))


def _posted_order_ids(kind: str):
    return LedgerTransaction.objects.filter(kind=kind, order_id__isnull=False).values("order_id")


def post_missing(*, limit: int = BATCH) -> CatchUp:
    done = CatchUp()
    paid = OrderEvent.objects.filter(to_status=OrderStatus.PAID).values("order_id")
    for order_id in (
        Order.objects.filter(pk__in=paid)
        .exclude(pk__in=_posted_order_ids(T.ORDER_PAID))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        events.post_order_paid(order_id=order_id)
        done.orders_paid += 1
    refunds = _keys(T.LINE_REFUND)
    for refund_id in LineRefund.objects.order_by("pk").values_list("pk", flat=True):
        if f"line-refund:{refund_id}" not in refunds and done.line_refunds < limit:
            events.post_line_refund(line_refund_id=refund_id)
            done.line_refunds += 1
    for order_id in (
        Order.objects.filter(status=OrderStatus.CANCELLED, pk__in=paid)
        .exclude(pk__in=_posted_order_ids(T.ORDER_CANCELLED))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        events.post_order_cancelled(order_id=order_id)
        done.orders_cancelled += 1
    _commissions(done, limit=limit)
    _listing_fees(done, limit=limit)
    if done.total:
        logger.info("Ledger catch-up posted %s", done)
    return done


def _commissions(done: CatchUp, *, limit: int) -> None:
    booked = _keys(T.COMMISSION)
    for pk in (
        Commission.objects.filter(line__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        if f"commission:{pk}" not in booked and done.commissions < limit:
            events.post_commission(commission_id=pk)
            done.commissions += 1
    adjustments = _keys(T.COMMISSION_ADJUSTMENT)
    for adjustment in CommissionAdjustment.objects.select_related("commission").order_by("pk"):
        if f"commission-adjustment:{adjustment.pk}" in adjustments or done.adjustments >= limit:
            continue
        if events.post_commission_adjustment(adjustment_id=adjustment.pk) is not None:
            done.adjustments += 1
    payable = _keys(T.COMMISSION_PAYABLE)
    for pk in (
        Commission.objects.filter(payable_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        if f"commission-payable:{pk}" not in payable and done.commissions_payable < limit:
            events.post_commission_payable(commission_id=pk)
            done.commissions_payable += 1


def _listing_fees(done: CatchUp, *, limit: int) -> None:
    charged = LedgerTransaction.objects.filter(kind=T.LISTING_FEE).values_list("key", flat=True)
    charged_ids = {int(key.split(":")[1]) for key in charged}
    for pk in (
        Product.objects.filter(kind=Product.Kind.NATIVE)
        .exclude(status=Product.Status.DRAFT)
        .exclude(pk__in=charged_ids)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        events.charge_listing_fee(product_id=pk)
        done.listing_fees += 1
