"""A shopper pays with Stripe through POST /api/v1/checkout (recorded Stripe answers)."""

from decimal import Decimal

import pytest

from clipcart.inventory.models import Reservation
from clipcart.inventory.selectors import available_quantity
from clipcart.orders.models import Order
from clipcart.payments.models import Payment

from .conftest import INTENT_ID, recorded

pytestmark = pytest.mark.django_db
STRIPE = {"method": "stripe", "token": "pm_card_visa"}


def checkout(shopper_api, product, payment, key="k1"):
    from ..conftest import checkout_body

    variant = product.variants.get()
    shopper_api.post("/cart/items", {"variant_id": variant.pk, "quantity": 1})
    body = {**checkout_body(), "payment": payment}
    return shopper_api.post("/checkout", body, headers={"Idempotency-Key": key})


def test_a_checkout_paid_with_stripe_authorizes_then_captures(
    recorded_stripe, shopper_api, product
):
    # 20.00 serum + 4.99 shipping = 24.99, the amount of the recorded intent.
    recorded_stripe.expect(
        "POST",
        "/v1/payment_intents",
        recorded("payment_intent_requires_capture"),
        params={"amount": "2499", "currency": "usd", "payment_method": "pm_card_visa"},
    )
    recorded_stripe.expect(
        "POST", f"/v1/payment_intents/{INTENT_ID}/capture", recorded("payment_intent_succeeded")
    )
    response = checkout(shopper_api, product, STRIPE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment_status"] == "captured"
    assert [(o["status"], o["total"]) for o in body["orders"]] == [("paid", "24.99")]
    payment = Payment.objects.get()
    assert (payment.gateway, payment.charge_id, payment.amount) == (
        "stripe",
        INTENT_ID,
        Decimal("24.99"),
    )
    capture_key = recorded_stripe.sent[1]["headers"]["Idempotency-Key"]
    assert capture_key == f"{payment.idempotency_key}:capture"


def test_a_card_stripe_declines_is_402_and_nothing_is_ordered_or_held(
    recorded_stripe, shopper_api, product
):
    recorded_stripe.expect("POST", "/v1/payment_intents", recorded("card_declined"), status=402)
    response = checkout(shopper_api, product, {"method": "stripe", "token": "pm_card_declined"})
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert Order.objects.count() == 0
    assert available_quantity(product.variants.get().pk) == 10
    assert set(Reservation.objects.values_list("status", flat=True)) == {"released"}


def test_stripe_checkout_on_an_instance_without_stripe_is_a_422(shopper_api, product, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = checkout(shopper_api, product, STRIPE)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "payment_method_unavailable"
    assert Order.objects.count() == 0
