"""Stripe's webhook endpoint. Stripe is the caller: the signature is the authentication."""

from __future__ import annotations

from ninja import Header, Router, Schema

from clipcart.api.schemas import ErrorOut
from clipcart.payments.services import stripe_webhooks

router = Router(tags=["webhooks"])


class StripeWebhookOut(Schema):
    received: bool
    event_id: str
    type: str
    duplicate: bool  # true when this event id was delivered before: nothing was done again
    outcome: str  # applied, stale, not_forward, unknown_payment, unhandled


@router.post(
    "/webhooks/stripe",
    response={200: StripeWebhookOut, 400: ErrorOut, 503: ErrorOut},
    auth=None,
    url_name="stripe_webhook",
    summary="Stripe events (signed)",
)
def stripe_webhook(
    request, signature: str = Header("", alias=stripe_webhooks.SIGNATURE_HEADER)
) -> dict:
    """Header `Stripe-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<raw body>">` under
    STRIPE_WEBHOOK_SECRET. 200 once the event is stored (a redelivery: 200, `duplicate`, no
    effect); 400 `missing_signature`, `invalid_signature`, `timestamp_outside_tolerance` (more
    than 5 minutes old) or `invalid_payload`; 503 `webhook_not_configured`."""
    received = stripe_webhooks.receive_stripe_event(payload=request.body, signature=signature)
    return {
        "received": True,
        "event_id": received.event_id,
        "type": received.type,
        "duplicate": received.duplicate,
        "outcome": received.outcome,
    }
