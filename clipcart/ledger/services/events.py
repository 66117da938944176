"""Money events: each one balanced transaction, posted once under its key.

| key                            | what moves                                                   |
|--------------------------------|--------------------------------------------------------------|
| order-paid:<order>             | clearing += total; fees, each commission (creator pending)   |
|                                | and the rest (seller pending); a shipping subsidy            |
| line-refund:<line refund>      | clearing -= refund; the fee back in proportion; the          |
|                                | commission clawback; the seller bears the rest               |
| order-cancelled:<order>        | every balance the order still has, reversed                  |
| commission:<commission>        | an external sale's commission: the shop owes the creator     |
| commission-payable:<commission>| creator pending → payable (the return window closed)         |
| commission-adjustment:<adj>    | an adjustment no refund or cancellation already covers       |
| listing:<product>              | the listing fee, once per product                            |

Where a seller bears a refund: from the order's held money while a hold is open, else from
available once the order settled, else from pending. seller_available is the one seller account
allowed to go below zero (a refund or a listing fee after the money was paid out; the next sales
net it); creator_payable likewise when a refund claws back commission already paid.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from clipcart.affiliate.models import Commission, CommissionAdjustment
from clipcart.catalog.models import Product
from clipcart.core.errors import Conflict, NotFound
from clipcart.core.money import quantize_money
from clipcart.orders.models import LineRefund, Order, OrderEvent, OrderLine, OrderStatus

from .. import locks
from ..models import Account, Hold, LedgerTransaction, OrderFee
from . import balances, fees, posting
from .posting import Leg

logger = logging.getLogger(__name__)
K = Account.Kind
T = LedgerTransaction.Kind
ZERO = Decimal("0.00")


def was_paid(order_id: int) -> bool:
    return OrderEvent.objects.filter(order_id=order_id, to_status=OrderStatus.PAID).exists()


def settled(order_id: int) -> bool:
    return posting.is_posted(f"settle:{order_id}")


def _order(order_id: int) -> Order:
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


# --- Order paid -----------------------------------------------------------------------------------


def post_order_paid(*, order_id: int) -> LedgerTransaction:
    """Books a paid order. Safe to call again (one transaction per order)."""
    key = f"order-paid:{order_id}"
    earlier = LedgerTransaction.objects.filter(key=key).first()
    if earlier is not None:
        return earlier
    order = _order(order_id)
    if not was_paid(order_id):
        raise Conflict("This order was never paid.", code="order_not_paid")
    with transaction.atomic():
        commissions = list(Commission.objects.filter(order_id=order_id, line__isnull=False))
        fee = _fee_of(order, commissions)
        legs = _paid_legs(order, fee=fee, commissions=commissions)
        posted, _ = posting.post(
            kind=T.ORDER_PAID,
            key=key,
            legs=legs,
            order_id=order.pk,
            shop_id=order.shop_id,
            memo=f"Order #{order.pk} paid: {order.total} {order.currency}",
        )
    return posted


def _fee_of(order: Order, commissions: list[Commission]) -> OrderFee:
    earned = {c.line_id: c.amount for c in commissions}
    lines = OrderLine.objects.filter(order=order).select_related("product")
    return fees.fee_of_order(
        order_id=order.pk,
        shop=order.shop,
        currency=order.currency,
        shipping=order.shipping_fee,
        lines=[
            fees.LineInput(
                line_id=line.pk,
                category_id=line.product.category_id if line.product else None,
                base=line.net_total,
                commission=earned.get(line.pk, ZERO),
            )
            for line in lines
        ],
    )


def _paid_legs(order: Order, *, fee: OrderFee, commissions: list[Commission]) -> list[Leg]:
    currency, oid = order.currency, order.pk
    legs = [
        Leg(posting.platform(K.PLATFORM_CLEARING, currency=currency), order.total, oid),
        Leg(posting.platform(K.PLATFORM_FEES, currency=currency), -fee.fee, oid),
    ]
    for commission in commissions:
        pending = posting.creator(
            K.CREATOR_PENDING, user_id=commission.creator_id, currency=currency
        )
        legs.append(Leg(pending, -commission.amount, oid, commission.pk))
    seller_pending = posting.seller(K.SELLER_PENDING, shop_id=order.shop_id, currency=currency)
    earned = sum((c.amount for c in commissions), ZERO)
    legs.append(Leg(seller_pending, -(order.total - fee.fee - earned), oid))
    if fee.subsidy:
        incentives = posting.platform(K.PLATFORM_INCENTIVES, currency=currency)
        legs += [Leg(incentives, fee.subsidy, oid), Leg(seller_pending, -fee.subsidy, oid)]
    return legs


# --- Line refunds ---------------------------------------------------------------------------------


def in_proportion(amount: Decimal, *, base: Decimal, refunded: Decimal) -> Decimal:
    """The part of `amount` that follows `refunded` of `base`, on the running total: refunds
    that add up to the whole line give back exactly the whole amount."""
    if base <= 0 or refunded >= base:
        return amount
    return quantize_money(amount * refunded / base)


def post_line_refund(*, line_refund_id: int) -> LedgerTransaction:
    """Books a refund of part of a line. Precondition for callers holding the order's lock:
    inside that transaction (ledger locks come after it)."""
    key = f"line-refund:{line_refund_id}"
    earlier = LedgerTransaction.objects.filter(key=key).first()
    if earlier is not None:
        return earlier
    refund = LineRefund.objects.select_related("line__order").filter(pk=line_refund_id).first()
    if refund is None:
        raise NotFound("No such refund.", code="line_refund_not_found")
    order = refund.line.order
    post_order_paid(order_id=order.pk)
    with transaction.atomic():
        accounts = locks.lock_shop_accounts(shop_id=order.shop_id, currency=order.currency)
        legs = _refund_legs(refund, order=order, seller=_where_order_money_is(order, accounts))
        posted, _ = posting.post(
            kind=T.LINE_REFUND,
            key=key,
            legs=legs,
            order_id=order.pk,
            shop_id=order.shop_id,
            memo=f"Refund of {refund.amount} {order.currency} on order #{order.pk}: "
            f"{refund.line.title}",
        )
    return posted


def _where_order_money_is(order: Order, accounts: dict[str, Account]) -> Account:
    if Hold.objects.filter(order_id=order.pk, released_at__isnull=True).exists():
        return accounts[K.SELLER_HELD]
    if settled(order.pk):
        return accounts[K.SELLER_AVAILABLE]
    return accounts[K.SELLER_PENDING]


def _refund_legs(refund: LineRefund, *, order: Order, seller: Account) -> list[Leg]:
    line, oid, currency = refund.line, order.pk, order.currency
    before = balances.cents(
        LineRefund.objects.filter(line=line, pk__lt=refund.pk).aggregate(t=Sum("amount"))["t"]
    )
    after = before + refund.amount
    fee = OrderFee.objects.get(order_id=oid).fee_of_line(line.pk)
    fee_back = in_proportion(fee, base=line.net_total, refunded=after) - in_proportion(
        fee, base=line.net_total, refunded=before
    )
    legs = [
        Leg(posting.platform(K.PLATFORM_CLEARING, currency=currency), -refund.amount, oid),
        Leg(posting.platform(K.PLATFORM_FEES, currency=currency), fee_back, oid),
    ]
    commission_legs = _clawback_legs(line, refunded_total=after, order_id=oid)
    taken = sum((leg.amount for leg in commission_legs), ZERO)
    legs += commission_legs
    legs.append(Leg(seller, refund.amount - fee_back - taken, oid))
    return legs


def clawback_of(line: OrderLine, *, refunded_total: Decimal) -> CommissionAdjustment | None:
    """The adjustment affiliate wrote for the refund that brought the line to
    `refunded_total` (its key is "refund-<line>-<running total>")."""
    prefix = f"refund-{line.pk}-"
    for adjustment in CommissionAdjustment.objects.filter(
        commission__line=line, kind=CommissionAdjustment.Kind.CLAWBACK, key__startswith=prefix
    ):
        if Decimal(adjustment.key.removeprefix(prefix)) == refunded_total:
            return adjustment
    return None


def _clawback_legs(line: OrderLine, *, refunded_total: Decimal, order_id: int) -> list[Leg]:
    adjustment = clawback_of(line, refunded_total=refunded_total)
    if adjustment is None or not adjustment.amount:
        return []
    commission = adjustment.commission
    return _take_from_creator(commission, amount=adjustment.amount, order_id=order_id)


def _take_from_creator(commission: Commission, *, amount: Decimal, order_id: int | None):
    """Legs that take `amount` of a commission back: from what is still pending of it first,
    then from payable (below zero if it was already paid out)."""
    accounts = locks.lock_creator_accounts(
        user_id=commission.creator_id, currency=commission.currency
    )
    pending = accounts[K.CREATOR_PENDING]
    still_pending = balances.commission_owed(pending, commission_id=commission.pk)
    from_pending = min(amount, max(still_pending, ZERO))
    return [
        Leg(pending, from_pending, order_id, commission.pk),
        Leg(accounts[K.CREATOR_PAYABLE], amount - from_pending, order_id, commission.pk),
    ]


# --- Cancellation ---------------------------------------------------------------------------------


def post_order_cancelled(*, order_id: int) -> LedgerTransaction | None:
    """Reverses everything a cancelled order still has in the ledger (what was paid less what
    was refunded already). None for an order cancelled before it was paid: nothing to undo."""
    key = f"order-cancelled:{order_id}"
    earlier = LedgerTransaction.objects.filter(key=key).first()
    if earlier is not None:
        return earlier
    order = _order(order_id)
    if order.status != OrderStatus.CANCELLED:
        raise Conflict("This order is not cancelled.", code="order_not_cancelled")
    if not was_paid(order_id):
        return None
    post_order_paid(order_id=order_id)
    for refund_id in LineRefund.objects.filter(line__order_id=order_id).values_list(
        "pk", flat=True
    ):
        post_line_refund(line_refund_id=refund_id)
    with transaction.atomic():
        locks.lock_shop_accounts(shop_id=order.shop_id, currency=order.currency)
        posted, _ = posting.post(
            kind=T.ORDER_CANCELLED,
            key=key,
            legs=_reversal_legs(order_id),
            order_id=order_id,
            shop_id=order.shop_id,
            memo=f"Order #{order_id} cancelled",
        )
    return posted


def _reversal_legs(order_id: int) -> list[Leg]:
    from ..models import Entry

    rows = (
        Entry.objects.filter(order_id=order_id)
        .values("account", "commission_id")
        .annotate(total=Sum("amount"))
        .order_by("account", "commission_id")
    )
    by_id = Account.objects.in_bulk([row["account"] for row in rows])
    return [
        Leg(by_id[row["account"]], -balances.cents(row["total"]), order_id, row["commission_id"])
        for row in rows
    ]


# --- Commissions ----------------------------------------------------------------------------------


def post_commission(*, commission_id: int) -> LedgerTransaction | None:
    """Books a commission on a sale made outside Clipcart (an external conversion): no buyer
    money passed through here, so the shop owes it from its available balance. A commission
    on an order line is part of `order-paid` instead (None)."""
    commission = Commission.objects.filter(pk=commission_id).first()
    if commission is None:
        raise NotFound("No such commission.", code="commission_not_found")
    if commission.line_id is not None:
        return None
    currency = commission.currency
    posted, _ = posting.post(
        kind=T.COMMISSION,
        key=f"commission:{commission.pk}",
        legs=[
            Leg(
                posting.seller(K.SELLER_AVAILABLE, shop_id=commission.shop_id, currency=currency),
                commission.amount,
                None,
                commission.pk,
            ),
            Leg(
                posting.creator(
                    K.CREATOR_PENDING, user_id=commission.creator_id, currency=currency
                ),
                -commission.amount,
                None,
                commission.pk,
            ),
        ],
        shop_id=commission.shop_id,
        memo=f"Commission {commission.pk} on an external sale",
    )
    return posted


def _ensure_commission_booked(commission: Commission) -> None:
    if commission.line_id is None:
        post_commission(commission_id=commission.pk)
    else:
        assert commission.order_id is not None
        post_order_paid(order_id=commission.order_id)


def post_commission_payable(*, commission_id: int) -> LedgerTransaction:
    """Moves what is still pending of a commission to payable (its return window closed)."""
    key = f"commission-payable:{commission_id}"
    earlier = LedgerTransaction.objects.filter(key=key).first()
    if earlier is not None:
        return earlier
    commission = Commission.objects.get(pk=commission_id)
    _ensure_commission_booked(commission)
    with transaction.atomic():
        accounts = locks.lock_creator_accounts(
            user_id=commission.creator_id, currency=commission.currency
        )
        pending, payable = accounts[K.CREATOR_PENDING], accounts[K.CREATOR_PAYABLE]
        amount = max(balances.commission_owed(pending, commission_id=commission.pk), ZERO)
        posted, _ = posting.post(
            kind=T.COMMISSION_PAYABLE,
            key=key,
            legs=[
                Leg(pending, amount, commission.order_id, commission.pk),
                Leg(payable, -amount, commission.order_id, commission.pk),
            ],
            order_id=commission.order_id,
            memo=f"Commission {commission.pk} payable",
        )
    return posted


def adjustment_is_covered(adjustment: CommissionAdjustment) -> bool:
    """Whether another posting already moves this adjustment's money: a clawback of a line is
    part of its line refund, the cancellation of a cancelled order part of its reversal."""
    commission = adjustment.commission
    if commission.line_id is None:
        return False
    if adjustment.kind == CommissionAdjustment.Kind.CLAWBACK:
        return True
    return Order.objects.filter(pk=commission.order_id or 0, status=OrderStatus.CANCELLED).exists()


def post_commission_adjustment(*, adjustment_id: int) -> LedgerTransaction | None:
    """Books a commission adjustment that no refund or cancellation covers: the creator gives
    the amount back to the shop. None when another posting covers it."""
    adjustment = CommissionAdjustment.objects.select_related("commission").get(pk=adjustment_id)
    if adjustment_is_covered(adjustment) or not adjustment.amount:
        return None
    commission = adjustment.commission
    _ensure_commission_booked(commission)
    key = f"commission-adjustment:{adjustment.pk}"
    with transaction.atomic():
        legs = _take_from_creator(
            commission, amount=adjustment.amount, order_id=commission.order_id
        )
        legs.append(_seller_gets_back(commission, amount=adjustment.amount))
        posted, _ = posting.post(
            kind=T.COMMISSION_ADJUSTMENT,
            key=key,
            legs=legs,
            order_id=commission.order_id,
            shop_id=commission.shop_id,
            memo=f"Commission {commission.pk}: {adjustment.get_kind_display()}",
        )
    return posted


def _seller_gets_back(commission: Commission, *, amount: Decimal) -> Leg:
    currency = commission.currency
    kind = K.SELLER_AVAILABLE
    if commission.order_id is not None and not settled(commission.order_id):
        kind = K.SELLER_PENDING
    account = posting.seller(kind, shop_id=commission.shop_id, currency=currency)
    return Leg(account, -amount, commission.order_id, commission.pk)


# --- Listing fees ---------------------------------------------------------------------------------


def charge_listing_fee(*, product_id: int) -> LedgerTransaction:
    """Charges a product's listing fee once (a free listing is recorded as charged nothing, so
    it is never charged later when the promotion ends)."""
    product = Product.objects.select_related("shop").get(pk=product_id)
    shop = product.shop
    amount = fees.listing_fee_for(shop=shop, category_id=product.category_id)
    legs = []
    if amount:
        legs = [
            Leg(
                posting.seller(K.SELLER_AVAILABLE, shop_id=shop.pk, currency=shop.currency), amount
            ),
            Leg(posting.platform(K.PLATFORM_FEES, currency=shop.currency), -amount),
        ]
    posted, _ = posting.post(
        kind=T.LISTING_FEE,
        key=f"listing:{product.pk}",
        legs=legs,
        shop_id=shop.pk,
        memo=f"Listing fee for {product.title}"[:300],
    )
    return posted
