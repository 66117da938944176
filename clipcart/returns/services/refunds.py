"""Money back for a return, line by line, through the order's refunds (orders.refund_line):
capped at what was paid, idempotent per line, commission clawed back, the gateway called after
commit through payments' outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clipcart.catalog import services as catalog_services
from clipcart.core.errors import Conflict, InvalidInput
from clipcart.core.money import parse_price, quantize_money
from clipcart.orders import services as order_services

from ..models import Return, ReturnEventKind, ReturnLine, ReturnStatus
from . import common

S = ReturnStatus
ZERO = Decimal("0.00")
REFUND_KEY = re.compile(r"^[\x21-\x7e]{1,120}$")


@dataclass(frozen=True)
class LineAmount:
    line: ReturnLine
    amount: Decimal


def default_amount(line: ReturnLine) -> Decimal:
    """The net paid for the returned units, pro rata to the line's quantity, never more than is
    left to refund on the line. Rounded here, once, half up to the cent; the cap keeps the
    rounding of several partial returns of one line from adding up past what was paid."""
    order_line = line.order_line
    share = quantize_money(order_line.net_total * line.quantity / order_line.quantity)
    left = order_line.net_total - order_services.refunded_amount(order_line)
    return max(ZERO, min(share, left))


def refund_return(
    *,
    user,
    shop_id: int,
    return_id: int,
    amounts: object = None,
    reason: object = "",
    key: object,
) -> Return:
    """Refunds a received return (or an approved refund-without-return) and closes it.

    `amounts` is {order line id: amount} for a partial refund; a line left out gets its default
    (`default_amount`), "0" refunds nothing for it. All lines are one transaction under the
    return's lock: an amount over what is left on a line is a 409 and nothing is written. The
    same `key` again answers with the refunded return; another key after the refund is a 409."""
    catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    key = check_key(key)
    wanted = check_amounts(amounts)
    note = common.check_text(reason, field="reason", max_length=300)
    with transaction.atomic():
        ret = common.locked_return_of_shop(shop_id=shop_id, return_id=return_id)
        if ret.status == S.REFUNDED:
            return _replayed(ret, key=key, wanted=wanted)
        _require_refundable(ret)
        plan = _plan(ret, wanted)
        total = sum((item.amount for item in plan), ZERO)
        if total <= 0:
            raise InvalidInput("The refund must be more than zero.", field="amounts")
        for item in plan:
            _refund_line(ret, item, actor=user, reason=note or _default_reason(ret))
        common.move(
            ret,
            to=S.REFUNDED,
            kind=ReturnEventKind.REFUNDED,
            actor=user,
            note=f"Refunded {total} {ret.currency}" + (f": {note}" if note else ""),
            refund_total=total,
            refund_key=key,
            refunded_at=timezone.now(),
        )
        common.notify_buyer(
            ret,
            kind="return_refunded",
            message=f"{total} {ret.currency} is on its way back to you for your return on "
            f"order #{ret.order_id}.",
        )
    return ret


def check_key(value: object) -> str:
    if not isinstance(value, str) or not REFUND_KEY.match(value):
        raise InvalidInput("A refund needs an idempotency key of 1–120 characters.", field="key")
    return value


def check_amounts(value: object) -> dict[int, Decimal]:
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("Amounts are {order line id: amount}.", field="amounts")
    wanted: dict[int, Decimal] = {}
    for raw_id, raw_amount in value.items():
        line_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else raw_id
        if isinstance(line_id, bool) or not isinstance(line_id, int) or line_id <= 0:
            raise InvalidInput("Amounts are {order line id: amount}.", field="amounts")
        wanted[line_id] = parse_price(
            raw_amount, field="amounts", allow_zero=True, label="Refund amount"
        )
    return wanted


def _require_refundable(ret: Return) -> None:
    if ret.status == S.RECEIVED or (ret.status == S.APPROVED and ret.refund_without_return):
        return
    if ret.status in (S.APPROVED, S.SHIPPED):
        raise Conflict(
            "Refund the return once its items are back (mark it received first).",
            code="return_not_received",
        )
    common.require_status(ret, [], action="refunded")


def _plan(ret: Return, wanted: dict[int, Decimal]) -> list[LineAmount]:
    lines = list(ret.lines.select_related("order_line"))
    if not set(wanted) <= {line.order_line_id for line in lines}:
        raise InvalidInput("That item is not in this return.", field="amounts")
    return [
        LineAmount(line=line, amount=wanted.get(line.order_line_id, default_amount(line)))
        for line in lines
    ]


def _refund_line(ret: Return, item: LineAmount, *, actor, reason: str) -> None:
    if item.amount <= 0:
        return
    refund = order_services.refund_line(
        shop_id=ret.shop_id,
        order_id=ret.order_id,
        line_id=item.line.order_line_id,
        amount=str(item.amount),
        actor=actor,
        reason=reason,
        key=f"return-{ret.pk}-line-{item.line.order_line_id}",
    )
    item.line.refund = refund
    item.line.save(update_fields=["refund"])


def _default_reason(ret: Return) -> str:
    return f"Return #{ret.pk}: {ret.get_reason_display()}"


def _replayed(ret: Return, *, key: str, wanted: dict[int, Decimal]) -> Return:
    """The first answer for a repeated request; a different request after the refund is a
    conflict rather than a second refund."""
    if key != ret.refund_key:
        raise Conflict("This return was already refunded.", code="already_refunded")
    paid = {
        line.order_line_id: (line.refund.amount if line.refund else ZERO)
        for line in ret.lines.select_related("refund")
    }
    if any(paid.get(line_id) != amount for line_id, amount in wanted.items()):
        raise Conflict(
            "This idempotency key was used for another refund.",
            code="idempotency_key_reused",
            field="key",
        )
    return ret
