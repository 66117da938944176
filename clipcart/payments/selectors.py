"""Reads of the payments app."""

from __future__ import annotations

from .models import Payment, PaymentDispute


def order_ids_of_payment(*, payment_id: int) -> list[int]:
    """The orders one payment paid for (one checkout may pay several shops' orders)."""
    return list(
        Payment.objects.get(pk=payment_id).orders.order_by("pk").values_list("pk", flat=True)
    )


def dispute_hold_key(*, dispute_id: str, order_id: int) -> str:
    """The idempotency key of the ledger hold one dispute puts on one order."""
    return f"dispute:{dispute_id}:order:{order_id}"


def dispute(*, dispute_pk: int) -> PaymentDispute:
    return PaymentDispute.objects.select_related("payment").get(pk=dispute_pk)
