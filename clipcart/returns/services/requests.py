"""A buyer asks to return items of a delivered order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from clipcart.core.errors import Conflict, InvalidInput
from clipcart.fulfillment import clock
from clipcart.orders import selectors as order_selectors
from clipcart.orders.models import OrderStatus

from ..models import (
    DAMAGE_REASONS,
    RELEASED_STATUSES,
    Return,
    ReturnEventKind,
    ReturnLine,
    ReturnReason,
)
from . import common, photos

MAX_LINES = 100
MAX_DETAILS = 2000
RETURNABLE_ORDER_STATUSES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def request_return(
    *,
    buyer,
    order_id: int,
    lines: object,
    reason: object,
    details: object = "",
    photo_files: Sequence = (),
) -> Return:
    """Opens a return of some units of the buyer's delivered order. Another person's order is
    not found (404); a bad line, quantity, reason or photo is 422; an order not delivered, past
    its return window, or a line already in an open return is 409. The shop's staff are told,
    and must answer within the shop's answer business days."""
    order = order_selectors.order_of_buyer(buyer=buyer, order_id=order_id)
    reason = check_reason(reason)
    details = common.check_text(details, field="details", max_length=MAX_DETAILS)
    wanted = check_lines(lines)
    checked_photos = photos.check_photos(photo_files, required=reason in DAMAGE_REASONS)
    check_window(order, reason=reason)
    with transaction.atomic():
        check_quantities(order, wanted)
        ret = _create(order, wanted, reason=reason, details=details)
        photos.store_photos(ret, checked_photos)
        common.log(ret, kind=ReturnEventKind.REQUESTED, actor=buyer, note=_summary(ret))
        common.notify_staff(
            ret,
            kind="return_requested",
            message=f"Return requested on order #{order.pk} "
            f"({ret.get_reason_display().lower()}). Answer by {ret.answer_due:%a, %b %-d}.",
        )
    return ret


def check_reason(value: object) -> str:
    if value not in ReturnReason.values:
        raise InvalidInput(
            "Choose a reason: " + ", ".join(ReturnReason.values) + ".", field="reason"
        )
    return str(value)


def check_lines(value: object) -> dict[int, int]:
    """{order line id: quantity} from [{"line_id", "quantity"}, ...]: ids and quantities
    positive integers, each line once."""
    if not isinstance(value, list) or not value:
        raise InvalidInput("Choose at least one item to return.", field="lines")
    if len(value) > MAX_LINES:
        raise InvalidInput(f"At most {MAX_LINES} items per return.", field="lines")
    wanted: dict[int, int] = {}
    for entry in value:
        if not isinstance(entry, dict):
            raise InvalidInput("Each item is {line_id, quantity}.", field="lines")
        line_id = _positive_int(entry.get("line_id"), field="lines.line_id")
        if line_id in wanted:
            raise InvalidInput("Each item can be listed once.", field="lines.line_id")
        wanted[line_id] = _positive_int(entry.get("quantity"), field="lines.quantity")
    return wanted


def _positive_int(value: object, *, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10_000:
        raise InvalidInput("Must be a whole number of at least 1.", field=field)
    return value


def window_days(reason: str) -> int:
    if reason in DAMAGE_REASONS:
        return settings.CLIPCART_DAMAGED_RETURN_WINDOW_DAYS
    return settings.CLIPCART_RETURN_WINDOW_DAYS


def window_closes_at(order, *, reason: str) -> datetime | None:
    if order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=window_days(reason))


def check_window(order, *, reason: str) -> None:
    if order.status == OrderStatus.REFUNDED:
        raise Conflict("This order was refunded in full.", code="already_refunded")
    if order.status not in RETURNABLE_ORDER_STATUSES or order.delivered_at is None:
        raise Conflict(
            "Items can be returned once the order is delivered.", code="order_not_delivered"
        )
    closes = window_closes_at(order, reason=reason)
    if closes is not None and timezone.now() > closes:
        raise Conflict(
            f"Returns for this reason close {window_days(reason)} days after delivery "
            f"(on {timezone.localtime(closes):%b %-d, %Y}).",
            code="return_window_closed",
        )


def returned_quantities(*, order_id: int, exclude_return_id: int | None = None) -> dict[int, int]:
    """Units of each line of the order in returns that still count (open, or refunded)."""
    rows = (
        ReturnLine.objects.filter(order_line__order_id=order_id)
        .exclude(ret__status__in=RELEASED_STATUSES)
        .exclude(ret_id=exclude_return_id)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    return dict(rows)


def check_quantities(
    order, wanted: dict[int, int], *, exclude_return_id: int | None = None
) -> None:
    """Each wanted line is one of the order's, in no other open return, not fully refunded,
    and at most what was bought less the units in other returns that still count."""
    lines = {line.pk: line for line in order.lines.all()}
    if not set(wanted) <= set(lines):
        raise InvalidInput("That item is not in this order.", field="lines.line_id")
    open_elsewhere = (
        ReturnLine.objects.filter(order_line_id__in=list(wanted), is_open=True)
        .exclude(ret_id=exclude_return_id)
        .exists()
    )
    if open_elsewhere:
        raise Conflict("One of these items already has an open return.", code="return_already_open")
    returned = returned_quantities(order_id=order.pk, exclude_return_id=exclude_return_id)
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        if getattr(line, "refunded", 0) >= line.net_total:
            raise Conflict(f"{line.title} was already refunded.", code="line_already_refunded")
        left = line.quantity - returned.get(line_id, 0)
        if quantity > left:
            raise InvalidInput(
                f"At most {left} of {line.title} can be returned.", field="lines.quantity"
            )


def answer_deadline(*, shop_id: int) -> tuple:
    """(last answer day, the instant that day ends) on the shop's business-day calendar."""
    calendar = clock.shop_calendar(shop_id=shop_id)
    due = calendar.add_business_days(
        calendar.local_date(), settings.CLIPCART_RETURN_ANSWER_BUSINESS_DAYS
    )
    ends = datetime.combine(due + timedelta(days=1), time.min, tzinfo=ZoneInfo(calendar.time_zone))
    return due, ends


def _create(order, wanted: dict[int, int], *, reason: str, details: str) -> Return:
    due, due_at = answer_deadline(shop_id=order.shop_id)
    ret = Return.objects.create(
        order=order,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        reason=reason,
        details=details,
        currency=order.currency,
        answer_due=due,
        answer_due_at=due_at,
    )
    try:
        # The partial unique index is what keeps two racing requests from both opening a
        # return of one line; the savepoint keeps the outer transaction usable.
        with transaction.atomic():
            ReturnLine.objects.bulk_create(
                ReturnLine(ret=ret, order_line_id=line_id, quantity=quantity)
                for line_id, quantity in sorted(wanted.items())
            )
    except IntegrityError:
        raise Conflict(
            "One of these items already has an open return.", code="return_already_open"
        ) from None
    return ret


def _summary(ret: Return) -> str:
    units = sum(line.quantity for line in ret.lines.all())
    return f"{units} item{'s' if units != 1 else ''}: {ret.get_reason_display()}"
