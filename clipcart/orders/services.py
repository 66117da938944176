"""Writes of the orders app. The state machine lives here and nowhere else.

pending_payment → paid → shipped → delivered → completed
      ↓            ↓        ↓          ↓           ↓
  cancelled   cancelled  refunded   refunded    refunded

Shipping and delivery (partial shipments, the carriers' webhook, auto-delivery) live in
orders.shipments; `ship_order` and `confirm_delivery` here are its entry points.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clipcart.core.errors import Conflict, InvalidInput, NotFound

from . import carriers, locks
from .models import LineRefund, Order, OrderEvent, OrderLine, OrderStatus

S = OrderStatus
ZERO = Decimal("0.00")
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.CANCELLED, S.REFUNDED},
    S.SHIPPED: {S.DELIVERED, S.REFUNDED},
    S.DELIVERED: {S.COMPLETED, S.REFUNDED},
    S.COMPLETED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")


@dataclass(frozen=True)
class LinePlan:
    variant_id: int
    product_id: int
    title: str
    variant_name: str
    sku: str
    unit_price: Decimal
    quantity: int
    ref: str = ""
    discount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class OrderPlan:
    """One shop's share of a checkout, priced by the server."""

    shop_id: int
    currency: str
    subtotal: Decimal
    shipping_fee: Decimal
    ships_by: date
    lines: list[LinePlan]
    delivers_by: date | None = None

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping_fee


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())


def create_orders(
    *,
    buyer,
    plans: list[OrderPlan],
    checkout_ref: uuid.UUID,
    payment_id: int,
    shipping_address: dict,
) -> list[Order]:
    """Creates one pending-payment order per shop plan. Precondition: inside the checkout's
    transaction, after its stock has been allocated."""
    from clipcart.affiliate import services as affiliate_services

    orders = []
    for plan in plans:
        order = Order.objects.create(
            buyer=buyer,
            shop_id=plan.shop_id,
            payment_id=payment_id,
            checkout_ref=checkout_ref,
            currency=plan.currency,
            subtotal=plan.subtotal,
            discount=plan.discount,
            shipping_fee=plan.shipping_fee,
            total=plan.total,
            ships_by=plan.ships_by,
            delivers_by=plan.delivers_by,
            shipping_address=shipping_address,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant_id=line.variant_id,
                product_id=line.product_id,
                title=line.title,
                variant_name=line.variant_name,
                sku=line.sku,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_total=line.unit_price * line.quantity,
                discount=line.discount,
                ref=line.ref,
            )
            for line in plan.lines
        )
        OrderEvent.objects.create(
            order=order, to_status=S.PENDING_PAYMENT, actor=buyer, note="Order placed"
        )
        orders.append(order)
    affiliate_services.attribute_orders(order_ids=[order.pk for order in orders], buyer=buyer)
    return orders


def transition(*, order_id: int, to: str, actor=None, note: str = "", **fields) -> Order:
    """Moves an order to `to` (and sets `fields`), recording the event. Raises Conflict for a
    move the state machine does not allow."""
    with transaction.atomic():
        order = locks.lock_order(order_id=order_id)
        if order is None:
            raise NotFound("No such order.", code="order_not_found")
        if not can_transition(order.status, to):
            raise Conflict(
                f"An order that is {order.get_status_display().lower()} cannot become "
                f"{S(to).label.lower()}.",
                code="invalid_transition",
                field="status",
            )
        previous = order.status
        order.status = to
        if to == S.DELIVERED:
            fields.setdefault("delivered_at", timezone.now())
        for name, value in fields.items():
            setattr(order, name, value)
        order.save(update_fields=["status", "updated_at", *fields])
        OrderEvent.objects.create(
            order=order, from_status=previous, to_status=to, actor=actor, note=note[:300]
        )
    return order


def mark_late(*, order_ids: list[int]) -> int:
    """Marks paid, still unshipped orders late (once: the first time is kept). The caller
    decides which orders passed their promise; this only refuses orders that moved on."""
    return Order.objects.filter(
        pk__in=order_ids, status=S.PAID, shipped_at__isnull=True, late_at__isnull=True
    ).update(late_at=timezone.now(), updated_at=timezone.now())


def mark_paid(*, orders: list[Order]) -> None:
    """Marks captured orders paid; each order's money enters the ledger in the same
    transaction (buyer payment, platform fee, commission, the seller's pending share)."""
    from clipcart.ledger import services as ledger_services

    for order in orders:
        with transaction.atomic():
            transition(order_id=order.pk, to=S.PAID, note="Payment captured")
            ledger_services.post_order_paid(order_id=order.pk)
        order.status = S.PAID


def check_shipment(*, carrier: str, tracking_number: str, strict: bool = False) -> tuple[str, str]:
    """A carrier and tracking number someone typed, cleaned: (carrier, number). The number
    loses its spaces. With `strict`, a known carrier's number must have its format (see
    orders.carriers) and comes back upper-cased, with the carrier's own name; without, any
    4–40 letters, digits or dashes pass (sample and return parcels)."""
    if strict:
        tracking = carriers.check_tracking(carrier=carrier, tracking_number=tracking_number)
        return tracking.name, tracking.number
    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip().replace(" ", "")
    if not 2 <= len(carrier) <= 40:
        raise InvalidInput("Carrier must be 2 to 40 characters.", field="carrier")
    if not TRACKING_NUMBER.match(tracking_number):
        raise InvalidInput(
            "Tracking number must be 4 to 40 letters, digits or dashes.", field="tracking_number"
        )
    return carrier, tracking_number


def ship_order(
    *,
    shop_id: int,
    order_id: int,
    carrier: str,
    tracking_number: str,
    actor,
    carrier_name: str = "",
    lines: list | None = None,
) -> Order:
    """Ships some (`lines`) or all units left of a paid order of `shop_id`; see
    orders.shipments.ship_order. An order of another shop is not found."""
    from . import shipments

    return shipments.ship_order(
        shop_id=shop_id,
        order_id=order_id,
        carrier=carrier,
        tracking_number=tracking_number,
        carrier_name=carrier_name,
        lines=lines,
        actor=actor,
    )


def can_cancel(order: Order) -> bool:
    """Whether an order may still be cancelled: not once any of it has shipped."""
    return can_transition(order.status, S.CANCELLED) and order.shipped_at is None


def cancel_order(*, order_id: int, actor, reason: str) -> Order:
    """Cancels an order that has not shipped: in one transaction the status changes, its units
    return to stock and a refund is recorded (payments' outbox); the gateway is called after
    commit, outside any lock, and beat retries it if the gateway is down."""
    from clipcart.affiliate import services as affiliate_services
    from clipcart.inventory import services as inventory_services
    from clipcart.ledger import services as ledger_services
    from clipcart.payments import services as payment_services

    with transaction.atomic():
        locked = locks.lock_order(order_id=order_id)
        if locked is not None and locked.shipped_at is not None and locked.status == S.PAID:
            raise Conflict(
                "Part of this order has shipped, so it can no longer be cancelled; the shop "
                "can refund the items that did not ship.",
                code="partly_shipped",
                field="status",
            )
        order = transition(order_id=order_id, to=S.CANCELLED, actor=actor, note=reason)
        affiliate_services.cancel_commissions(order_id=order.pk)
        for line in order.lines.all():
            if line.variant_id:
                inventory_services.restock(variant_id=line.variant_id, quantity=line.quantity)
        ledger_services.post_order_cancelled(order_id=order.pk)
        refund = None
        # Lines the shop already refunded were paid back then; only the rest goes back now.
        still_paid = order.total - order_refunded_amount(order)
        if order.payment_id and still_paid > 0:
            refund = payment_services.request_refund(
                payment_id=order.payment_id,
                amount=still_paid,
                reason_key=f"cancel-order-{order.pk}",
            )
    if refund is not None:
        payment_services.process_refund(refund_id=refund.pk)
    return order


def confirm_delivery(*, order_id: int, buyer) -> Order:
    """The buyer says a shipped order arrived: all its parcels count as delivered by the buyer.
    Another buyer's order is not found; see orders.shipments.confirm_delivery."""
    from . import shipments

    return shipments.confirm_delivery(order_id=order_id, buyer=buyer)


# --- Refunds of lines ---------------------------------------------------------------------------

REFUNDABLE = {S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED}
REFUND_KEY = re.compile(r"^[\x21-\x7e]{1,120}$")


def check_refund_amount(raw: object) -> Decimal:
    """A refund amount from a client: a positive decimal with at most two places."""
    from clipcart.core.money import parse_price

    return parse_price(raw, field="amount", label="Refund amount")


def _refundable_line(*, order: Order, line_id: int) -> OrderLine:
    line = OrderLine.objects.filter(pk=line_id, order=order).first()
    if line is None:
        raise NotFound("No such line in this order.", code="order_line_not_found")
    if order.status == S.REFUNDED:
        raise Conflict("This order was already refunded in full.", code="already_refunded")
    if order.status not in REFUNDABLE:
        raise Conflict(
            f"An order that is {order.get_status_display().lower()} cannot be refunded.",
            code="invalid_transition",
            field="status",
        )
    return line


def order_refunded_amount(order: Order) -> Decimal:
    total = LineRefund.objects.filter(line__order=order).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def refunded_amount(line: OrderLine) -> Decimal:
    return LineRefund.objects.filter(line=line).aggregate(total=Sum("amount"))["total"] or ZERO


def refund_line(
    *, shop_id: int, order_id: int, line_id: int, amount: object, actor, reason: str, key: str
) -> LineRefund:
    """Gives back `amount` of what was paid for one line of a `shop_id` order, up to the line's
    net total less earlier refunds. `key` makes a repeated request one refund (the first one's
    answer). The order's row lock serializes refunds of one order, so two refunds racing for
    the last dollar cannot both pass the remaining-amount check; commission is clawed back in
    proportion in the same transaction. The gateway is called after commit (payments' outbox)."""
    from clipcart.affiliate import services as affiliate_services
    from clipcart.ledger import services as ledger_services
    from clipcart.payments import services as payment_services

    amount = check_refund_amount(amount)
    if not REFUND_KEY.match(key or ""):
        raise InvalidInput("A refund needs an idempotency key of 1–120 characters.", field="key")
    key = f"{shop_id}:{key}"
    with transaction.atomic():
        order = locks.lock_order(order_id=order_id)
        if order is None or order.shop_id != shop_id:
            raise NotFound("No such order in this shop.", code="order_not_found")
        earlier = LineRefund.objects.filter(key=key).first()
        if earlier is not None:
            return _replayed_refund(earlier, line_id=line_id, amount=amount)
        line = _refundable_line(order=order, line_id=line_id)
        already = refunded_amount(line)
        remaining = line.net_total - already
        if amount > remaining:
            raise Conflict(
                f"At most {remaining} {order.currency} of this line is left to refund.",
                code="refund_exceeds_paid",
                field="amount",
            )
        refund = LineRefund.objects.create(
            line=line, amount=amount, reason=clean_reason(reason), actor=actor, key=key
        )
        OrderEvent.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            actor=actor,
            note=f"Refunded {amount} {order.currency} for {line.title}"[:300],
        )
        affiliate_services.claw_back_commission(line_id=line.pk, refunded_total=already + amount)
        ledger_services.post_line_refund(line_refund_id=refund.pk)
        money_back = None
        if order.payment_id:
            money_back = payment_services.request_refund(
                payment_id=order.payment_id, amount=amount, reason_key=f"line-refund-{refund.pk}"
            )
        if _fully_refunded(order):
            transition(order_id=order.pk, to=S.REFUNDED, actor=actor, note="All items refunded")
    if money_back is not None:
        refund_id = money_back.pk
        transaction.on_commit(
            lambda: payment_services.process_refund(refund_id=refund_id), robust=True
        )
    return refund


def _replayed_refund(earlier: LineRefund, *, line_id: int, amount: Decimal) -> LineRefund:
    if earlier.line_id != line_id or earlier.amount != amount:
        raise Conflict(
            "This idempotency key was used for another refund.",
            code="idempotency_key_reused",
            field="key",
        )
    return earlier


def _fully_refunded(order: Order) -> bool:
    lines = list(order.lines.annotate(refunded=Sum("refunds__amount")))
    return all((line.refunded or ZERO) >= line.net_total for line in lines)


def clean_reason(reason: object) -> str:
    return " ".join(str(reason or "").split())[:300]
