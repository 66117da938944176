"""Writes of the payments app. None of these may be called while a database row lock is held:
a gateway call can take seconds, and a lock held that long would stall every other checkout."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import IntegrityError

from clipcart.core.errors import Conflict, InvalidInput, PaymentFailed

from ..gateways import get_gateway, stripe_configured
from ..models import Payment, Refund

logger = logging.getLogger(__name__)
METHODS = {"test", "stripe"}


def check_method_available(method: str) -> None:
    """A shopper asking for a method this instance does not offer gets a 422, not a 500."""
    if method not in METHODS:
        raise InvalidInput("Unsupported payment method.", field="payment.method")
    if method == "stripe" and not stripe_configured():
        raise InvalidInput(
            "Card payments through Stripe are not enabled on this instance.",
            code="payment_method_unavailable",
            field="payment.method",
        )


def authorize_payment(
    *, buyer, amount: Decimal, currency: str, method: str, token: str, idempotency_key: str
) -> Payment:
    """Authorizes `amount` on the buyer's payment token. Raises PaymentFailed when declined
    (the declined attempt is still recorded, with its decline code)."""
    check_method_available(method)
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.status != Payment.Status.DECLINED:
        return existing
    response = get_gateway(method).authorize(
        amount=amount, currency=currency, token=token, idempotency_key=idempotency_key
    )
    status = Payment.Status.AUTHORIZED if response.ok else Payment.Status.DECLINED
    try:
        payment, _ = Payment.objects.update_or_create(
            idempotency_key=idempotency_key,
            defaults=dict(
                buyer=buyer,
                gateway=method,
                charge_id=response.charge_id,
                amount=amount,
                currency=currency,
                status=status,
                decline_code=response.decline_code,
            ),
        )
    except IntegrityError:
        payment = Payment.objects.get(idempotency_key=idempotency_key)
    if not response.ok:
        if response.decline_code == "invalid_token":
            raise InvalidInput(
                response.message, code="invalid_payment_token", field="payment.token"
            )
        raise PaymentFailed(
            response.message or "Payment declined.", code="payment_declined", field="payment"
        )
    return payment


def _apply(payment: Payment, operation: str, **kwargs) -> bool:
    gateway = get_gateway(payment.gateway)
    response = getattr(gateway, operation)(
        charge_id=payment.charge_id,
        idempotency_key=f"{payment.idempotency_key}:{operation}",
        **kwargs,
    )
    return response.ok


def capture_payment(*, payment: Payment) -> Payment:
    if payment.status == Payment.Status.CAPTURED:
        return payment
    if not _apply(payment, "capture"):
        raise Conflict("The payment could not be captured.", code="capture_failed")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CAPTURED)
    payment.status = Payment.Status.CAPTURED
    return payment


def void_payment(*, payment: Payment) -> Payment:
    if payment.status == Payment.Status.AUTHORIZED and _apply(payment, "void"):
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.VOIDED)
        payment.status = Payment.Status.VOIDED
    return payment


def void_if_authorized(*, idempotency_key: str) -> None:
    """Best-effort clean-up after a failed checkout: voids the authorization recorded under
    this key, if any. Never raises: it runs while another error is already being reported."""
    try:
        payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if payment is not None:
            void_payment(payment=payment)
    except Exception:
        logger.exception("Could not void the authorization %s", idempotency_key)


def refund_payment(*, payment_id: int, amount: Decimal, reason_key: str) -> Payment:
    """Refunds part or all of a captured payment. `reason_key` names the refund (for example
    "cancel-order-42"), so repeating the same refund moves money once."""
    payment = Payment.objects.get(pk=payment_id)
    gateway = get_gateway(payment.gateway)
    response = gateway.refund(
        charge_id=payment.charge_id,
        amount=amount,
        idempotency_key=refund_idempotency_key(payment=payment, reason_key=reason_key),
        currency=payment.currency,
    )
    if not response.ok:
        raise Conflict("The refund could not be made.", code="refund_failed")
    # The gateway is the source of truth for the running total; ours follows its answer.
    status = (
        Payment.Status.REFUNDED
        if response.status == "refunded"
        else Payment.Status.PARTIALLY_REFUNDED
    )
    refunded = Decimal(response.amount_refunded)
    # Only forward: a webhook (or a concurrent refund) may already have recorded a larger total,
    # and this slower answer must not shrink it.
    Payment.objects.filter(pk=payment.pk, amount_refunded__lt=refunded).update(
        status=status, amount_refunded=refunded
    )
    payment.status, payment.amount_refunded = status, refunded
    return payment


def refund_idempotency_key(*, payment: Payment, reason_key: str) -> str:
    """The gateway key of one refund; the Stripe webhook reads it back to settle the outbox."""
    return f"{payment.idempotency_key}:refund:{reason_key}"


MAX_REFUND_ATTEMPTS = 8


def request_refund(*, payment_id: int, amount: Decimal, reason_key: str) -> Refund:
    """Records that `amount` must go back. Precondition: inside the transaction that makes the
    refund due. Idempotent: the same `reason_key` is one refund."""
    refund, _ = Refund.objects.get_or_create(
        reason_key=reason_key, defaults={"payment_id": payment_id, "amount": amount}
    )
    return refund


def process_refund(*, refund_id: int) -> Refund:
    """Sends a pending refund to the gateway. Runs outside any transaction; safe to repeat."""
    refund = Refund.objects.get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    try:
        refund_payment(
            payment_id=refund.payment_id, amount=refund.amount, reason_key=refund.reason_key
        )
    except Exception as error:  # a gateway outage: keep it pending for beat to retry
        refund.attempts += 1
        refund.last_error = str(error)[:300]
        if refund.attempts >= MAX_REFUND_ATTEMPTS:
            refund.status = Refund.Status.FAILED
            logger.error("Refund %s failed %s times", refund.reason_key, refund.attempts)
        refund.save(update_fields=["attempts", "last_error", "status", "updated_at"])
        return refund
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.SUCCEEDED)
    refund.status = Refund.Status.SUCCEEDED
    return refund


def process_pending_refunds(*, limit: int = 100) -> int:
    """Retries refunds still pending (beat). Returns how many went through."""
    ids = Refund.objects.filter(status=Refund.Status.PENDING).values_list("pk", flat=True)
    done = [process_refund(refund_id=pk) for pk in list(ids[:limit])]
    return sum(refund.status == Refund.Status.SUCCEEDED for refund in done)
