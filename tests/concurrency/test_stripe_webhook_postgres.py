"""Stripe redelivers an event while the first delivery is still being applied: the unique
event id and the payment's row lock let exactly one of them act. Real threads, PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from clipcart.payments import services
from clipcart.payments.models import Payment, Refund, StripeEvent

from ..payments.conftest import INTENT_ID, WEBHOOK_SECRET, recorded, signature, stripe_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
COPIES = 8


def post(payload: str) -> dict:
    try:
        response = Client().post(
            "/api/v1/webhooks/stripe",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": signature(payload)},
        )
        assert response.status_code == 200, response.content
        return response.json()
    finally:
        connection.close()


def test_copies_of_one_refund_event_delivered_at_once_apply_it_once(shopper, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    payment = Payment.objects.create(
        buyer=shopper,
        gateway="stripe",
        charge_id=INTENT_ID,
        idempotency_key="checkout-1",
        amount=Decimal("24.99"),
        currency="USD",
        status="captured",
    )
    services.request_refund(payment_id=payment.pk, amount=Decimal("10.00"), reason_key="r1")
    charge = recorded("charge", amount_refunded=1000)
    payload = stripe_event("evt_refund", "charge.refunded", charge)

    with ThreadPoolExecutor(COPIES) as pool:
        answers = list(pool.map(post, [payload] * COPIES))

    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * (COPIES - 1)
    assert StripeEvent.objects.count() == 1
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", Decimal("10.00"))
    assert Refund.objects.get().status == "succeeded"
