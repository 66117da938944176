"""Settlement, rolling reserves and holds.

A seller's money for an order moves pending → available CLIPCART_SETTLEMENT_DAYS days after the
order was delivered, unless a return on it is still open or a hold is open on it. A shop on
probation has CLIPCART_PROBATION_RESERVE_PERCENT of each settled order kept in reserve for
CLIPCART_PROBATION_RESERVE_DAYS. A hold moves one order's money, and only that, to held."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clipcart.catalog.models import Shop
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.core.money import quantize_money
from clipcart.orders.models import Order, OrderStatus
from clipcart.returns import selectors as returns_selectors

from .. import locks
from ..models import Account, Hold, LedgerTransaction, Reserve
from . import balances, events, posting
from .posting import Leg

K = Account.Kind
T = LedgerTransaction.Kind
ZERO = Decimal("0.00")
HOLD_KEY = re.compile(r"^[\x21-\x7e]{1,120}$")


def due_for_settlement(*, now=None, limit: int = 500) -> list[int]:
    """Orders delivered long enough ago, booked, not settled, with no open return or hold."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CLIPCART_SETTLEMENT_DAYS)
    booked = LedgerTransaction.objects.filter(kind=T.ORDER_PAID).values("order_id")
    done = LedgerTransaction.objects.filter(kind=T.SETTLEMENT).values("order_id")
    held = Hold.objects.filter(released_at__isnull=True).values("order_id")
    ids = list(
        Order.objects.filter(delivered_at__lte=cutoff, pk__in=booked)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk__in=done)
        .exclude(pk__in=held)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    returning = returns_selectors.orders_with_open_returns(order_ids=ids)
    return [pk for pk in ids if pk not in returning]


def settle_due(*, now=None) -> int:
    now = now or timezone.now()
    settled = 0
    for order_id in due_for_settlement(now=now):
        settled += settle_order(order_id=order_id, now=now) is not None
    return settled


def settle_order(*, order_id: int, now=None) -> LedgerTransaction | None:
    """Moves what the order still has in pending to available (less a probation reserve).
    None when a hold was placed meanwhile. Callers check the other conditions."""
    now = now or timezone.now()
    order = Order.objects.select_related("shop").get(pk=order_id)
    with transaction.atomic():
        accounts = locks.lock_shop_accounts(shop_id=order.shop_id, currency=order.currency)
        if Hold.objects.filter(order_id=order_id, released_at__isnull=True).exists():
            return None
        amount = balances.order_owed(accounts[K.SELLER_PENDING], order_id=order_id)
        reserve = _reserve_of(order.shop, amount)
        posted, created = posting.post(
            kind=T.SETTLEMENT,
            key=f"settle:{order_id}",
            legs=[
                Leg(accounts[K.SELLER_PENDING], amount, order_id),
                Leg(accounts[K.SELLER_AVAILABLE], -(amount - reserve), order_id),
                Leg(accounts[K.SELLER_RESERVED], -reserve, order_id),
            ],
            order_id=order_id,
            shop_id=order.shop_id,
            memo=f"Order #{order_id} settled" + (f", {reserve} kept in reserve" if reserve else ""),
        )
        if created and reserve:
            Reserve.objects.create(
                order_id=order_id,
                shop_id=order.shop_id,
                amount=reserve,
                currency=order.currency,
                release_on=(now + timedelta(days=settings.CLIPCART_PROBATION_RESERVE_DAYS)).date(),
            )
    return posted


def _reserve_of(shop: Shop, amount: Decimal) -> Decimal:
    if shop.status != Shop.Status.PROBATION or amount <= 0:
        return ZERO
    return quantize_money(amount * Decimal(settings.CLIPCART_PROBATION_RESERVE_PERCENT) / 100)


def release_reserves(*, now=None) -> int:
    """Reserves whose date has come go to available."""
    today = (now or timezone.now()).date()
    released = 0
    for reserve in Reserve.objects.filter(released_at__isnull=True, release_on__lte=today):
        released += release_reserve(reserve_id=reserve.pk, now=now)
    return released


def release_reserve(*, reserve_id: int, now=None) -> bool:
    with transaction.atomic():
        reserve = Reserve.objects.get(pk=reserve_id)
        accounts = locks.lock_shop_accounts(shop_id=reserve.shop_id, currency=reserve.currency)
        if (
            Reserve.objects.filter(pk=reserve_id, released_at__isnull=True).update(
                released_at=now or timezone.now()
            )
            == 0
        ):
            return False
        # What is left of it: a refund of the order may have come out of available meanwhile,
        # never out of reserved, so this is the whole reserve.
        amount = balances.order_owed(accounts[K.SELLER_RESERVED], order_id=reserve.order_id)
        posting.post(
            kind=T.RESERVE_RELEASE,
            key=f"reserve-release:{reserve.order_id}",
            legs=[
                Leg(accounts[K.SELLER_RESERVED], amount, reserve.order_id),
                Leg(accounts[K.SELLER_AVAILABLE], -amount, reserve.order_id),
            ],
            order_id=reserve.order_id,
            shop_id=reserve.shop_id,
            memo=f"Reserve of order #{reserve.order_id} released",
        )
    return True


# --- Holds ----------------------------------------------------------------------------------------


def _check_hold(*, reason: str, key: str) -> tuple[str, str]:
    reason = " ".join(str(reason or "").split())[:300]
    if len(reason) < 3:
        raise InvalidInput("Say why the money is held (3 characters or more).", field="reason")
    if not HOLD_KEY.match(key or ""):
        raise InvalidInput("A hold needs a key of 1–120 printable characters.", field="key")
    return reason, key


def hold_order(*, order_id: int, reason: str, key: str, actor=None) -> Hold:
    """Moves one order's seller money to held (from pending, or from available once settled).
    `key` names the cause (a dispute id): the same key is the same hold."""
    reason, key = _check_hold(reason=reason, key=key)
    earlier = Hold.objects.filter(key=key).first()
    if earlier is not None:
        if earlier.order_id != order_id:
            raise Conflict("This hold key names another order.", code="hold_key_reused")
        return earlier
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found", field="order_id")
    events.post_order_paid(order_id=order_id)
    with transaction.atomic():
        accounts = locks.lock_shop_accounts(shop_id=order.shop_id, currency=order.currency)
        source = K.SELLER_AVAILABLE if events.settled(order_id) else K.SELLER_PENDING
        amount = max(balances.order_owed(accounts[source], order_id=order_id), ZERO)
        hold = Hold.objects.create(
            key=key,
            order_id=order_id,
            shop_id=order.shop_id,
            reason=reason,
            amount=amount,
            currency=order.currency,
            source=source,
            placed_by=actor if getattr(actor, "pk", None) else None,
        )
        posting.post(
            kind=T.HOLD,
            key=f"hold:{key}",
            legs=[
                Leg(accounts[source], amount, order_id),
                Leg(accounts[K.SELLER_HELD], -amount, order_id),
            ],
            order_id=order_id,
            shop_id=order.shop_id,
            memo=f"Order #{order_id} held: {reason}",
        )
    return hold


def release_hold(*, key: str, note: str = "") -> Hold:
    """Gives a hold's money back to where it came from. Releasing twice changes nothing."""
    return _close_hold(key=key, note=note, chargeback=False)


def settle_chargeback(*, key: str, note: str = "") -> Hold:
    """A dispute the seller lost: the held money went back to the buyer's bank, so the hold
    closes by leaving the platform's clearing account instead of returning to the seller."""
    return _close_hold(key=key, note=note, chargeback=True)


def _close_hold(*, key: str, note: str, chargeback: bool) -> Hold:
    hold = Hold.objects.filter(key=key).first()
    if hold is None:
        raise NotFound("No such hold.", code="hold_not_found", field="key")
    with transaction.atomic():
        accounts = locks.lock_shop_accounts(shop_id=hold.shop_id, currency=hold.currency)
        hold = Hold.objects.get(pk=hold.pk)
        if hold.released_at is not None:
            return hold
        held = max(balances.order_owed(accounts[K.SELLER_HELD], order_id=hold.order_id), ZERO)
        others = Hold.objects.filter(order_id=hold.order_id, released_at__isnull=True).exclude(
            pk=hold.pk
        )
        amount = min(hold.amount, held) if others.exists() else held
        hold.released_at = timezone.now()
        hold.release_note = " ".join(str(note or "").split())[:300]
        hold.save(update_fields=["released_at", "release_note"])
        to = (
            posting.platform(K.PLATFORM_CLEARING, currency=hold.currency)
            if chargeback
            else accounts[hold.source]
        )
        what = "paid back to the buyer's bank" if chargeback else "released"
        posting.post(
            kind=T.CHARGEBACK if chargeback else T.HOLD_RELEASE,
            key=f"{'chargeback' if chargeback else 'hold-release'}:{key}",
            legs=[
                Leg(accounts[K.SELLER_HELD], amount, hold.order_id),
                Leg(to, -amount, hold.order_id),
            ],
            order_id=hold.order_id,
            shop_id=hold.shop_id,
            memo=f"Hold on order #{hold.order_id} {what}"
            + (f": {hold.release_note}" if hold.release_note else ""),
        )
    return hold
