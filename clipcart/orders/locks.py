"""Row locks of the orders app. Orders are locked last in the global order
(idempotency key → stock → order), one at a time by primary key."""

from .models import Order


def lock_order(*, order_id: int) -> Order | None:
    return Order.objects.select_for_update().filter(pk=order_id).first()
