"""Stripe's webhook: verify, store once, apply only what moves a payment forward.

Stripe delivers at least once and in no particular order. So:
- the signature (HMAC of "<t>.<body>" under the endpoint secret) and its age (5 minutes) are
  checked by Stripe's own library before anything is read;
- each event is stored under its unique id in the same transaction that applies it: a
  redelivery hits the unique index and changes nothing, a crash leaves neither;
- an event changes a payment only if it moves it forward (authorized → captured → refunded,
  never back) and is not older than the last event applied; everything else is stored with
  the reason it was ignored, for the operator to read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import DomainError, NotFound
from clipcart.core.money import format_money

from .. import locks, selectors
from ..minor_units import from_minor_units
from ..models import Payment, PaymentDispute, Refund, StripeEvent
from . import refund_idempotency_key

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "Stripe-Signature"
Outcome = StripeEvent.Outcome
Status = Payment.Status


class WebhookRejected(DomainError):
    """A delivery that cannot be trusted or read: 400, and Stripe will deliver it again."""

    status = 400
    code = "invalid_signature"


class WebhookNotConfigured(DomainError):
    """No endpoint secret: nothing can be verified. 503 so Stripe keeps retrying until the
    operator sets STRIPE_WEBHOOK_SECRET."""

    status = 503
    code = "webhook_not_configured"


@dataclass(frozen=True)
class Received:
    event_id: str
    type: str
    duplicate: bool
    outcome: str


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: datetime
    obj: dict
    body: dict  # the whole event as Stripe sent it, kept for the operator


def receive_stripe_event(*, payload: bytes, signature: str) -> Received:
    """Verifies one delivery and applies it once. Raises WebhookRejected (400) for a missing
    or bad signature, an old timestamp or an unreadable body."""
    event = check_stripe_event(payload=payload, signature=signature)
    return apply_event(event=event)


def check_stripe_event(*, payload: bytes, signature: str) -> Event:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookNotConfigured("STRIPE_WEBHOOK_SECRET is not set on this instance.")
    if not signature:
        raise WebhookRejected(
            f"The {SIGNATURE_HEADER} header is missing.",
            code="missing_signature",
            field=SIGNATURE_HEADER,
        )
    # Checked without the time limit first, so a stale but genuine delivery is told apart
    # from a forged one (the operator needs to know which: a slow queue or an attack).
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        raise WebhookRejected(
            "The signature does not match this endpoint's secret.", field=SIGNATURE_HEADER
        ) from None
    try:
        stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        raise WebhookRejected(
            "The signature's timestamp is older than "
            f"{settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS} seconds; it may be a replay.",
            code="timestamp_outside_tolerance",
            field=SIGNATURE_HEADER,
        ) from None
    except ValueError:
        raise WebhookRejected("The body is not a Stripe event.", code="invalid_payload") from None
    return _parse(payload)


def _parse(payload: bytes) -> Event:
    try:
        body = json.loads(payload)
        return Event(
            id=str(body["id"]),
            type=str(body["type"]),
            created=datetime.fromtimestamp(int(body["created"]), tz=UTC),
            obj=dict(body["data"]["object"]),
            body=body,
        )
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("The body is not a Stripe event.", code="invalid_payload") from None


def apply_event(*, event: Event) -> Received:
    """Stores the event and applies it, in one transaction; a stored id is a duplicate."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    event_id=event.id,
                    type=event.type,
                    created=event.created,
                    object_id=str(event.obj.get("id", "")),
                    livemode=bool(event.obj.get("livemode", False)),
                    payload=event.body,
                )
        except IntegrityError:  # delivered before (or right now, by a parallel delivery)
            previous = StripeEvent.objects.get(event_id=event.id)
            return Received(event.id, event.type, duplicate=True, outcome=previous.outcome)
        handler = HANDLERS.get(event.type, _unhandled)
        outcome, note = handler(event)
        row.outcome, row.note, row.processed_at = outcome, note[:300], timezone.now()
        row.save(update_fields=["outcome", "note", "processed_at", "updated_at"])
    if outcome not in {Outcome.APPLIED, Outcome.UNHANDLED}:
        logger.info("Stripe event %s (%s) ignored: %s", event.id, event.type, note)
    return Received(event.id, event.type, duplicate=False, outcome=outcome)


Result = tuple[str, str]  # (outcome, note)


def _unhandled(event: Event) -> Result:
    return Outcome.UNHANDLED, ""


# --- Payments -------------------------------------------------------------------------------

# Where a payment may go from each state. Declined is not final at Stripe: the shopper may
# retry the same intent with another card. Voided and refunded are final.
FORWARD: dict[str, frozenset[str]] = {
    Status.DECLINED: frozenset({Status.AUTHORIZED, Status.CAPTURED, Status.VOIDED}),
    Status.AUTHORIZED: frozenset(
        {Status.CAPTURED, Status.VOIDED, Status.PARTIALLY_REFUNDED, Status.REFUNDED}
    ),
    Status.CAPTURED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.PARTIALLY_REFUNDED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.REFUNDED: frozenset(),
    Status.VOIDED: frozenset(),
}


def _locked_payment(intent_id: object) -> Payment | None:
    return locks.lock_gateway_payment(gateway="stripe", charge_id=str(intent_id or ""))


def _is_stale(payment: Payment, event: Event) -> bool:
    return payment.gateway_event_at is not None and event.created < payment.gateway_event_at


def _refusal(payment: Payment, event: Event, target: str) -> Result | None:
    """Why `event` may not move `payment` to `target`, or None when it may."""
    if _is_stale(payment, event):
        return Outcome.STALE, f"older than the event applied at {payment.gateway_event_at}"
    if target == payment.status != Status.PARTIALLY_REFUNDED:  # Clipcart's own call got there
        return Outcome.NOT_FORWARD, f"payment is already {target}"
    if target not in FORWARD[payment.status]:
        logger.warning(
            "Stripe event %s would move payment %s from %s back to %s; ignored",
            event.id,
            payment.pk,
            payment.status,
            target,
        )
        return Outcome.NOT_FORWARD, f"payment is {payment.status}; {target} is not forward"
    return None


def _intent_moved_to(target: str) -> Callable[[Event], Result]:
    def handle(event: Event) -> Result:
        payment = _locked_payment(event.obj.get("id"))
        if payment is None:
            return Outcome.UNKNOWN_PAYMENT, f"no Stripe payment {event.obj.get('id')}"
        refusal = _refusal(payment, event, target)
        if refusal is not None:
            return refusal
        payment.status, payment.gateway_event_at = target, event.created
        fields = ["status", "gateway_event_at", "updated_at"]
        if target == Status.DECLINED:
            error = event.obj.get("last_payment_error") or {}
            payment.decline_code = (error.get("decline_code") or error.get("code") or "")[:40]
            fields.append("decline_code")
        payment.save(update_fields=fields)
        return Outcome.APPLIED, f"payment {payment.pk} is {target}"

    return handle


def _charge_refunded(event: Event) -> Result:
    charge = event.obj
    payment = _locked_payment(charge.get("payment_intent"))
    if payment is None:
        return Outcome.UNKNOWN_PAYMENT, f"no Stripe payment {charge.get('payment_intent')}"
    total = from_minor_units(int(charge["amount_refunded"]), payment.currency)
    target = Status.REFUNDED if charge.get("refunded") else Status.PARTIALLY_REFUNDED
    refusal = _refusal(payment, event, target)
    if refusal is not None:
        return refusal
    if total <= payment.amount_refunded:  # this total is already counted (or an older one)
        return Outcome.NOT_FORWARD, f"{total} refunded is already recorded"
    if total > payment.amount:
        logger.error(
            "Stripe reports %s refunded on payment %s of %s", total, payment.pk, payment.amount
        )
        return Outcome.NOT_FORWARD, f"{total} refunded exceeds the payment's {payment.amount}"
    payment.status, payment.amount_refunded = target, total
    payment.gateway_event_at = event.created
    payment.save(update_fields=["status", "amount_refunded", "gateway_event_at", "updated_at"])
    settled = _settle_pending_refunds(payment=payment, charge=charge)
    return Outcome.APPLIED, f"{total} refunded; {settled} pending refund(s) settled"


def _settle_pending_refunds(*, payment: Payment, charge: dict) -> int:
    """Marks the outbox refunds Stripe has made as succeeded, so a refund whose worker died
    after Stripe's answer is not left pending (a retry would be harmless — same idempotency
    key — but the operator would see a refund that looks unpaid).

    A refund is recognised by the idempotency key Clipcart put in its metadata, when the
    charge lists its refunds; otherwise by amount: the pending refunds, oldest first, whose
    sum with the ones already settled comes exactly to Stripe's refunded total."""
    pending = list(payment.refunds.filter(status=Refund.Status.PENDING).order_by("pk"))
    listed = (charge.get("refunds") or {}).get("data") or []
    if listed:
        made = {(r.get("metadata") or {}).get("clipcart_idempotency_key") for r in listed}
        done = [
            r
            for r in pending
            if refund_idempotency_key(payment=payment, reason_key=r.reason_key) in made
        ]
    else:
        done = _pending_covering_total(payment=payment, pending=pending)
    Refund.objects.filter(pk__in=[r.pk for r in done]).update(
        status=Refund.Status.SUCCEEDED, last_error="", updated_at=timezone.now()
    )
    return len(done)


def _pending_covering_total(*, payment: Payment, pending: list[Refund]) -> list[Refund]:
    settled = payment.refunds.filter(status=Refund.Status.SUCCEEDED).values_list(
        "amount", flat=True
    )
    running = sum(settled, Decimal("0"))
    for count, refund in enumerate(pending, start=1):
        running += refund.amount
        if running == payment.amount_refunded:
            return pending[:count]
        if running > payment.amount_refunded:
            break
    return []


# --- Disputes -------------------------------------------------------------------------------

# How far along a dispute is; a status may only replace one of a lower rank (or, before it
# closes, one of the same rank with a newer event). A closed dispute never reopens.
_DISPUTE_RANK = {
    "warning_needs_response": 0,
    "needs_response": 0,
    "warning_under_review": 1,
    "under_review": 1,
    "warning_closed": 2,
    "won": 2,
    "lost": 2,
    "prevented": 2,
}


def _dispute_changed(event: Event) -> Result:
    obj = event.obj
    payment = _locked_payment(obj.get("payment_intent"))
    if payment is None:
        return Outcome.UNKNOWN_PAYMENT, f"no Stripe payment {obj.get('payment_intent')}"
    status = str(obj["status"])
    if status not in _DISPUTE_RANK:
        return Outcome.UNHANDLED, f"unknown dispute status {status}"
    dispute = PaymentDispute.objects.filter(dispute_id=obj["id"]).first()
    if dispute is None:
        dispute = _open_dispute(payment=payment, event=event)
        return Outcome.APPLIED, f"dispute {dispute.dispute_id} recorded as {status}"
    current, new = _DISPUTE_RANK[dispute.status], _DISPUTE_RANK[status]
    same_rank_newer = new == current < 2 and event.created >= dispute.last_event_at
    if not (new > current or same_rank_newer):
        return Outcome.NOT_FORWARD, f"dispute is {dispute.status}; {status} is not forward"
    was_open = dispute.is_open
    _copy_dispute(dispute, obj, event)
    dispute.save()
    if was_open and not dispute.is_open:
        transaction.on_commit(lambda: dispute_closed(dispute_pk=dispute.pk), robust=True)
    return Outcome.APPLIED, f"dispute {dispute.dispute_id} is {status}"


def _open_dispute(*, payment: Payment, event: Event) -> PaymentDispute:
    obj = event.obj
    dispute = PaymentDispute(
        dispute_id=str(obj["id"]),
        payment=payment,
        opened_at=datetime.fromtimestamp(int(obj.get("created") or 0), tz=UTC),
    )
    _copy_dispute(dispute, obj, event)
    dispute.save()
    if dispute.is_open:  # first heard of already closed: nothing was ever held
        transaction.on_commit(lambda: dispute_opened(dispute_pk=dispute.pk), robust=True)
    return dispute


def _copy_dispute(dispute: PaymentDispute, obj: dict, event: Event) -> None:
    dispute.status = str(obj["status"])
    dispute.reason = str(obj.get("reason") or "")[:60]
    dispute.currency = str(obj["currency"]).upper()
    dispute.amount = from_minor_units(int(obj["amount"]), dispute.currency)
    dispute.last_event_at = event.created
    if not dispute.is_open and dispute.closed_at is None:
        dispute.closed_at = event.created


def dispute_opened(*, dispute_pk: int) -> None:
    """After commit, once per dispute: hold only the disputed orders' money in the ledger
    (never the sellers' whole balances) and tell the sellers why."""
    from clipcart.ledger import services as ledger_services

    dispute = selectors.dispute(dispute_pk=dispute_pk)
    for order_id in selectors.order_ids_of_payment(payment_id=dispute.payment_id):
        ledger_services.hold_order(
            order_id=order_id,
            reason=f"Payment dispute {dispute.dispute_id} ({dispute.reason or 'no reason given'})",
            key=selectors.dispute_hold_key(dispute_id=dispute.dispute_id, order_id=order_id),
        )
    _tell_sellers(
        dispute,
        f"A buyer's bank opened a dispute ({dispute.reason or 'no reason given'}) over "
        f"{format_money(dispute.amount)} {dispute.currency} paid for order #{{order}}. "
        "Only this order's money is held until it closes.",
    )


def dispute_closed(*, dispute_pk: int) -> None:
    """After commit, once per dispute: release each order's hold and tell the sellers how it
    ended."""
    from clipcart.ledger import services as ledger_services

    dispute = selectors.dispute(dispute_pk=dispute_pk)
    # A lost dispute's money already left with the chargeback; a won one goes back to the seller.
    close = (
        ledger_services.settle_chargeback
        if dispute.status == PaymentDispute.Status.LOST
        else ledger_services.release_hold
    )
    for order_id in selectors.order_ids_of_payment(payment_id=dispute.payment_id):
        try:
            close(
                key=selectors.dispute_hold_key(dispute_id=dispute.dispute_id, order_id=order_id),
                note=f"Dispute closed: {dispute.get_status_display().lower()}",
            )
        except NotFound:  # closed before its opening event came: nothing was ever held
            logger.warning("Dispute %s closed without a hold on order %s", dispute.pk, order_id)
    _tell_sellers(
        dispute,
        f"The dispute over order #{{order}} closed: {dispute.get_status_display().lower()}.",
    )


def _tell_sellers(dispute: PaymentDispute, template: str) -> None:
    orders = dispute.payment.orders.values_list("pk", "shop_id")
    users = get_user_model().objects
    for order_id, shop_id in orders:
        for user in users.filter(pk__in=catalog_selectors.staff_ids(shop_id=shop_id)):
            account_services.notify(
                user=user, kind="payment_dispute", message=template.format(order=order_id)
            )


HANDLERS: dict[str, Callable[[Event], Result]] = {
    "payment_intent.amount_capturable_updated": _intent_moved_to(Status.AUTHORIZED),
    "payment_intent.succeeded": _intent_moved_to(Status.CAPTURED),
    "payment_intent.payment_failed": _intent_moved_to(Status.DECLINED),
    "payment_intent.canceled": _intent_moved_to(Status.VOIDED),
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_changed,
    "charge.dispute.updated": _dispute_changed,
    "charge.dispute.closed": _dispute_changed,
}
