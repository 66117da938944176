"""Returns for the demo: a few on recent delivered orders, one in every state, made through
`returns.services` so each has its event log, notifications, restock and (for the refunded
ones) a real refund through `orders.services.refund_line` and the payments outbox.

Runs inside the seed's transaction, after `affiliate.seed` (which fills the orders'
`delivered_at`); each return is tried in a savepoint, so an order the services refuse (already
refunded, say) is skipped rather than failing the seed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import DomainError
from clipcart.orders.models import Order, OrderStatus
from clipcart.returns import services
from clipcart.returns.models import Return

# Delivered at most this long before the seed's base: well inside the 30-day window.
RECENT = timedelta(days=20)


@dataclass
class ReturnCounts:
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def seed(*, base: datetime) -> ReturnCounts:
    """One return in each state (requested, approved, auto-approved, shipped, received,
    refunded, refunded without return, rejected, cancelled) on delivered demo orders."""
    counts = ReturnCounts()
    orders = _candidates(base=base)
    for name, story in STORIES:
        for order in orders:
            ret = _try(story, order)
            if ret is not None:
                counts.by_status[name] = counts.by_status.get(name, 0) + 1
                break
    return counts


def _candidates(*, base: datetime) -> Iterator[Order]:
    recent = Order.objects.filter(
        status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
        delivered_at__gte=base - RECENT,
        payment__isnull=False,
    ).order_by("pk")
    return iter(list(recent))


def _try(story: Callable[[Order, object], Return], order: Order) -> Return | None:
    staff_ids = catalog_selectors.staff_ids(shop_id=order.shop_id)
    if not staff_ids:
        return None
    staff = get_user_model().objects.get(pk=min(staff_ids))
    try:
        with transaction.atomic():
            return story(order, staff)
    except DomainError:
        return None


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (214, 96, 77)).save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("damage.jpg", buffer.getvalue(), "image/jpeg")


def _ask(order: Order, *, reason: str = "wrong_size", details: str = "") -> Return:
    line = order.lines.order_by("pk").first()
    assert line is not None
    photos = [_photo()] if reason in ("damaged", "defective") else []
    return services.request_return(
        buyer=order.buyer,
        order_id=order.pk,
        lines=[{"line_id": line.pk, "quantity": 1}],
        reason=reason,
        details=details,
        photo_files=photos,
    )


def _approve(ret: Return, staff, *, keep: bool = False) -> Return:
    return services.approve_return(
        user=staff, shop_id=ret.shop_id, return_id=ret.pk, refund_without_return=keep
    )


def _ship(ret: Return) -> Return:
    return services.ship_back(
        buyer=ret.buyer, return_id=ret.pk, carrier="USPS", tracking_number=f"9400{ret.pk:08d}"
    )


def _receive(ret: Return, staff) -> Return:
    line_ids = list(ret.lines.values_list("order_line_id", flat=True))
    return services.receive_return(
        user=staff, shop_id=ret.shop_id, return_id=ret.pk, restock_line_ids=line_ids
    )


def _refund(ret: Return, staff) -> Return:
    return services.refund_return(
        user=staff, shop_id=ret.shop_id, return_id=ret.pk, key=f"demo-return-{ret.pk}"
    )


def _requested(order, staff):
    return _ask(order, reason="changed_mind", details="Found it cheaper in another colour.")


def _approved(order, staff):
    return _approve(_ask(order, reason="wrong_size", details="Runs a size small."), staff)


def _auto_approved(order, staff):
    ret = _ask(order, reason="not_as_described", details="The colour is much darker.")
    services.auto_approve(return_id=ret.pk, now=ret.answer_due_at)
    return ret


def _shipped(order, staff):
    return _ship(_approve(_ask(order, reason="wrong_item"), staff))


def _received(order, staff):
    ret = _approve(_ask(order, reason="defective", details="Stops charging after a day."), staff)
    return _receive(_ship(ret), staff)


def _refunded(order, staff):
    ret = _approve(_ask(order, reason="damaged", details="The box was crushed."), staff)
    return _refund(_receive(_ship(ret), staff), staff)


def _kept(order, staff):
    ret = _approve(_ask(order, reason="damaged", details="Cracked lid."), staff, keep=True)
    return _refund(ret, staff)


def _rejected(order, staff):
    ret = _ask(order, reason="changed_mind")
    return services.reject_return(
        user=staff, shop_id=ret.shop_id, return_id=ret.pk, reason="Opened hygiene product."
    )


def _cancelled(order, staff):
    ret = _ask(order, reason="other", details="Ordered twice by mistake.")
    return services.cancel_return(buyer=order.buyer, return_id=ret.pk)


STORIES: list[tuple[str, Callable[[Order, object], Return]]] = [
    ("requested", _requested),
    ("approved", _approved),
    ("auto_approved", _auto_approved),
    ("shipped", _shipped),
    ("received", _received),
    ("refunded", _refunded),
    ("refunded_without_return", _kept),
    ("rejected", _rejected),
    ("cancelled", _cancelled),
]
