"""Commission: attributed at purchase, pending while the return window is open, then payable,
then paid. A refund claws back in proportion; a cancelled order earns nothing, and says so.

Every change of money is a row (Commission, CommissionAdjustment) that the ledger can post;
nothing is edited in place except the running `clawed_back` those rows add up to."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clipcart.catalog import selectors as catalog_selectors
from clipcart.orders.models import OrderLine, OrderStatus

from .. import locks, selectors, terms
from ..models import Commission, CommissionAdjustment, Touch

C = Commission.Status
logger = logging.getLogger(__name__)


def attribution_windows() -> tuple[timedelta, timedelta]:
    """(after a click, after a completed view), both set per instance."""
    return (
        timedelta(days=settings.CLIPCART_AFFILIATE_CLICK_WINDOW_DAYS),
        timedelta(days=settings.CLIPCART_AFFILIATE_VIEW_WINDOW_DAYS),
    )


def candidate_touches(*, buyer_id: int, product_id: int, now) -> list[Touch]:
    """The buyer's touches of a product still inside their window, the latest first."""
    click_window, view_window = attribution_windows()
    in_window = Q(kind=Touch.Kind.VIEW_COMPLETE, last_at__gte=now - view_window) | (
        ~Q(kind=Touch.Kind.VIEW_COMPLETE) & Q(last_at__gte=now - click_window)
    )
    return list(
        Touch.objects.filter(in_window, actor=f"u:{buyer_id}", product_id=product_id)
        .exclude(creator_id=buyer_id)
        .order_by("-last_at", "-pk")
    )


def attribute_orders(*, order_ids: list[int], buyer) -> list[Commission]:
    """Writes the attribution receipt of every line that a creator's touch sold. Last touch
    wins among creators with a term in force now; the term is frozen onto the receipt.
    Precondition: inside the checkout's transaction that created the orders."""
    now = timezone.now()
    made = []
    lines = OrderLine.objects.select_related("order").filter(
        order_id__in=order_ids, product__isnull=False
    )
    for line in lines:
        commission = _attribute_line(line, buyer=buyer, now=now)
        if commission is not None:
            made.append(commission)
    return made


def _attribute_line(line: OrderLine, *, buyer, now) -> Commission | None:
    assert line.product_id is not None
    staff = set(catalog_selectors.staff_ids(shop_id=line.order.shop_id))
    for touch in candidate_touches(buyer_id=buyer.pk, product_id=line.product_id, now=now):
        if touch.creator_id in staff:  # a shop promoting itself earns no commission
            continue
        term = selectors.term_for(creator_id=touch.creator_id, product_id=line.product_id, at=now)
        if term is not None:
            return _receipt(line, touch=touch, term=term, now=now)
    return None


def _receipt(line: OrderLine, *, touch: Touch, term, now) -> Commission:
    commission = new_receipt(
        line_id=line.pk,
        order_id=line.order_id,
        shop_id=line.order.shop_id,
        product_id=line.product_id,
        quantity=line.quantity,
        base=line.net_total,
        currency=line.order.currency,
        touch=touch,
        term=term,
        earned_at=now,
    )
    commission.save()
    return commission


def new_receipt(
    *,
    line_id: int,
    order_id: int,
    shop_id: int,
    product_id: int | None,
    quantity: int,
    base,
    currency: str,
    touch: Touch,
    term,
    earned_at,
) -> Commission:
    """An unsaved attribution receipt for one line: the touch and term frozen onto it, and the
    amount by the one rounding rule (`terms.commission_amount`)."""
    return Commission(
        line_id=line_id,
        order_id=order_id,
        creator_id=touch.creator_id,
        shop_id=shop_id,
        product_id=product_id,
        touch=touch,
        touch_kind=touch.kind,
        touched_at=touch.last_at,
        post_id=touch.post_id or None,
        term=term,
        rate=term.rate,
        flat_fee=term.flat_fee,
        quantity=quantity,
        base=base,
        amount=terms.commission_amount(base=base, quantity=quantity, term=term),
        currency=currency,
        earned_at=earned_at,
    )


def cancel_commissions(*, order_id: int, reason: str = "Order cancelled") -> int:
    """A cancelled order earns nothing: each commission is cancelled, naming why, and the
    amount it no longer owes is recorded. Precondition: inside the cancelling transaction."""
    cancelled = 0
    for commission in locks.lock_commissions_of_order(order_id=order_id):
        if commission.status in (C.CANCELLED, C.PAID):
            continue
        _cancel(commission, reason=reason, key=f"cancel-{commission.pk}")
        cancelled += 1
    return cancelled


def _cancel(commission: Commission, *, reason: str, key: str) -> None:
    CommissionAdjustment.objects.get_or_create(
        key=key,
        defaults={
            "commission": commission,
            "kind": CommissionAdjustment.Kind.CANCELLATION,
            "amount": commission.amount - commission.clawed_back,
            "note": reason,
        },
    )
    commission.status = C.CANCELLED
    commission.status_reason = reason
    commission.save(update_fields=["status", "status_reason", "updated_at"])


def claw_back_commission(*, line_id: int, refunded_total) -> Commission | None:
    """Takes back commission in proportion to what has been refunded of the line so far.
    Computed on the running total, so two refunds of a half take back exactly the whole, and a
    repeated call changes nothing. Precondition: inside the refund's transaction, which holds
    the order's lock (two refunds of one line cannot interleave)."""
    commission = locks.lock_commission_of_line(line_id=line_id)
    if commission is None or commission.status == C.CANCELLED:
        return commission
    target = terms.clawed_back_after(
        amount=commission.amount, base=commission.base, refunded_total=refunded_total
    )
    taken = target - commission.clawed_back
    if taken > 0:
        CommissionAdjustment.objects.create(
            commission=commission,
            kind=CommissionAdjustment.Kind.CLAWBACK,
            amount=taken,
            key=f"refund-{line_id}-{refunded_total}",
            note=f"{refunded_total} of {commission.base} {commission.currency} refunded",
        )
        commission.clawed_back = target
        commission.save(update_fields=["clawed_back", "updated_at"])
    if refunded_total >= commission.base and commission.status in (C.PENDING, C.PAYABLE):
        commission.status = C.CANCELLED
        commission.status_reason = "Refunded in full"
        commission.save(update_fields=["status", "status_reason", "updated_at"])
    return commission


def release_payable(*, now=None) -> int:
    """Pending commission becomes payable once its order's return window has closed (beat).
    An order never delivered keeps it pending: a cancellation or refund may still come."""
    now = now or timezone.now()
    closed = now - timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)
    delivered = Q(
        order__status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
        order__delivered_at__lte=closed,
    )
    reported = Q(conversion__occurred_at__lte=closed)
    due = list(
        Commission.objects.filter(delivered | reported, status=C.PENDING).values_list(
            "pk", flat=True
        )
    )
    released = Commission.objects.filter(pk__in=due, status=C.PENDING).update(
        status=C.PAYABLE, payable_at=now, updated_at=now
    )
    _move_to_payable_in_ledger(due)
    return released


def _move_to_payable_in_ledger(commission_ids: list[int]) -> None:
    """The ledger moves each released commission's money from the creator's pending to payable.
    A failure here is logged, not raised: the ledger's catch-up (`ledger.settle`) posts any
    payable commission still without its move."""
    from clipcart.ledger import services as ledger_services

    for pk in commission_ids:
        try:
            ledger_services.post_commission_payable(commission_id=pk)
        except Exception:
            logger.exception("Could not move commission %s to payable in the ledger", pk)


def pay_out(*, commission_ids: list[int], reference: str) -> int:
    """Marks payable commissions paid. Called by the ledger when the payout that carried them
    was sent (`reference` names it); returns how many were paid, others are left as they are."""
    now = timezone.now()
    with transaction.atomic():
        return Commission.objects.filter(pk__in=commission_ids, status=C.PAYABLE).update(
            status=C.PAID,
            paid_at=now,
            status_reason=f"Paid: {reference}"[:200],
            updated_at=now,
        )
