"""Set-ups the ledger tests share: a paid order through the real checkout, its delivery, and
the balances people read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from clipcart.ledger import selectors
from clipcart.ledger.models import Account, Entry
from clipcart.ledger.services.balances import cents
from clipcart.orders import services as order_services
from clipcart.orders.models import Order

from ..factories import buy


def paid_order(buyer, product, *, quantity: int = 1) -> Order:
    answer = buy(buyer, [product.variants.first().pk], quantity=quantity)
    return Order.objects.get(pk=answer[0]["id"])


def deliver(order: Order, *, days_ago: int = 10) -> Order:
    order_services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="Hometown Couriers",
        tracking_number="HC12345",
        actor=None,
    )
    return order_services.transition(
        order_id=order.pk,
        to="delivered",
        delivered_at=timezone.now() - timedelta(days=days_ago),
    )


def refund(order: Order, amount: str, *, key: str = "r1", line=None):
    line = line or order.lines.first()
    return order_services.refund_line(
        shop_id=order.shop_id,
        order_id=order.pk,
        line_id=line.pk,
        amount=amount,
        actor=None,
        reason="Damaged",
        key=key,
    )


def shop_balance(shop_id: int, kind: str, currency: str = "USD") -> Decimal:
    for sheet in selectors.shop_balances(shop_id=shop_id):
        if sheet.currency == currency:
            return sheet[kind]
    return Decimal("0.00")


def creator_balance(user_id: int, kind: str, currency: str = "USD") -> Decimal:
    for sheet in selectors.creator_balances(user_id=user_id):
        if sheet.currency == currency:
            return sheet[kind]
    return Decimal("0.00")


def platform_balance(kind: str, currency: str = "USD") -> Decimal:
    from django.db.models import Sum

    total = Entry.objects.filter(account__kind=kind, currency=currency).aggregate(t=Sum("amount"))
    sign = 1 if kind in (Account.Kind.PLATFORM_CLEARING, Account.Kind.PLATFORM_INCENTIVES) else -1
    return sign * cents(total["t"])


def ledger_sums_to_zero() -> bool:
    from django.db.models import Sum

    return all(
        cents(row["t"]) == 0 for row in Entry.objects.values("currency").annotate(t=Sum("amount"))
    )
