"""Row locks of the checkout app.

Discount codes are locked last in the global order (idempotency key → stock → order → plan
product → commission → discount code), several at once in primary-key order, so two checkouts
that share codes wait for each other instead of deadlocking.
"""

from __future__ import annotations

from .models import DiscountCode


def lock_discount_codes(*, code_ids: list[int]) -> dict[int, DiscountCode]:
    """Waits for and locks the codes' rows. Precondition: inside a transaction."""
    rows = DiscountCode.objects.select_for_update().filter(pk__in=code_ids).order_by("pk")
    return {code.pk: code for code in rows}


def lock_discount_code(*, code_id: int) -> DiscountCode | None:
    return DiscountCode.objects.select_for_update().filter(pk=code_id).first()
