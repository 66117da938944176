"""Row locks of the payments app.

A payment is locked only by webhook processing, one row per event, and never while a gateway
call runs. Global order: payments.Payment is taken on its own (a webhook touches no other app's
locked rows); its disputes and refunds are written under the payment's lock, so they need none.
"""

from .models import Payment


def lock_gateway_payment(*, gateway: str, charge_id: str) -> Payment | None:
    """The payment the provider calls `charge_id` (Stripe: the PaymentIntent id), locked."""
    if not charge_id:
        return None
    return (
        Payment.objects.select_for_update()
        .filter(gateway=gateway, charge_id=charge_id)
        .order_by("pk")
        .first()
    )
