"""The Stripe adapter against recorded Stripe answers: what it sends, and what it makes of them."""

from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import ImproperlyConfigured

from clipcart.core.errors import Conflict, DomainError, InvalidInput, PaymentFailed
from clipcart.payments import services
from clipcart.payments.gateways import GatewayUnavailable, get_gateway
from clipcart.payments.models import Payment

from .conftest import INTENT_ID, recorded

pytestmark = pytest.mark.django_db
INTENTS = "/v1/payment_intents"


def expect_authorization(recorded_stripe, *, key="checkout-1", **changes):
    recorded_stripe.expect(
        "POST",
        INTENTS,
        recorded("payment_intent_requires_capture", **changes),
        key=key,
        params={
            "amount": "2499",
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "capture_method": "manual",
            "confirm": "true",
            "automatic_payment_methods[enabled]": "true",
            "automatic_payment_methods[allow_redirects]": "never",
        },
    )


def authorize(shopper, key="checkout-1", token="pm_card_visa", amount="24.99", currency="USD"):
    return services.authorize_payment(
        buyer=shopper,
        amount=Decimal(amount),
        currency=currency,
        method="stripe",
        token=token,
        idempotency_key=key,
    )


def test_authorize_creates_a_manual_capture_intent_confirmed_at_once(recorded_stripe, shopper):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)
    assert (payment.gateway, payment.charge_id, payment.status) == (
        "stripe",
        INTENT_ID,
        "authorized",
    )
    assert payment.amount == Decimal("24.99")


def test_capture_void_and_refund_act_on_the_intent_with_derived_keys(recorded_stripe, shopper):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)
    recorded_stripe.expect(
        "POST",
        f"{INTENTS}/{INTENT_ID}/capture",
        recorded("payment_intent_succeeded"),
        key="checkout-1:capture",
    )
    recorded_stripe.expect(
        "POST",
        "/v1/refunds",
        recorded("refund_succeeded"),
        key="checkout-1:refund:r1",
        params={
            "payment_intent": INTENT_ID,
            "amount": "1000",
            "expand[0]": "charge",
            "metadata[clipcart_idempotency_key]": "checkout-1:refund:r1",
        },
    )
    assert services.capture_payment(payment=payment).status == "captured"
    refunded = services.refund_payment(
        payment_id=payment.pk, amount=Decimal("10.00"), reason_key="r1"
    )
    assert (refunded.status, refunded.amount_refunded) == ("partially_refunded", Decimal("10.00"))
    assert Payment.objects.get().amount_refunded == Decimal("10.00")


def test_void_cancels_the_intent(recorded_stripe, shopper):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)
    recorded_stripe.expect(
        "POST",
        f"{INTENTS}/{INTENT_ID}/cancel",
        recorded("payment_intent_canceled"),
        key="checkout-1:void",
    )
    assert services.void_payment(payment=payment).status == "voided"
    assert Payment.objects.get().status == "voided"


def test_a_declined_card_is_the_same_402_as_the_test_gateway_with_stripes_code(
    recorded_stripe, shopper
):
    recorded_stripe.expect("POST", INTENTS, recorded("card_declined"), status=402)
    with pytest.raises(PaymentFailed) as raised:
        authorize(shopper, token="pm_card_visa_chargeDeclined")
    assert (raised.value.status, raised.value.code) == (402, "payment_declined")
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code) == ("declined", "generic_decline")
    assert payment.charge_id == "pi_3QhL0a2eZvKYlo2C1aAbBcCd"


def test_an_unknown_payment_method_is_an_invalid_token(recorded_stripe, shopper):
    recorded_stripe.expect("POST", INTENTS, recorded("payment_method_missing"), status=400)
    with pytest.raises(InvalidInput) as raised:
        authorize(shopper, token="pm_card_nope")
    assert raised.value.code == "invalid_payment_token"


def test_a_refund_beyond_what_was_captured_is_refused_by_stripe(recorded_stripe, shopper):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)
    Payment.objects.filter(pk=payment.pk).update(status="captured")
    recorded_stripe.expect(
        "POST",
        "/v1/refunds",
        recorded("refund_amount_too_large"),
        status=400,
        params={"amount": "3000"},
    )
    with pytest.raises(Conflict) as raised:
        services.refund_payment(payment_id=payment.pk, amount=Decimal("30.00"), reason_key="r")
    assert raised.value.code == "refund_failed"
    assert Payment.objects.get().amount_refunded == Decimal("0.00")


def test_capturing_a_canceled_intent_is_a_conflict(recorded_stripe, shopper):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)
    recorded_stripe.expect(
        "POST", f"{INTENTS}/{INTENT_ID}/capture", recorded("capture_unexpected_state"), status=400
    )
    with pytest.raises(Conflict):
        services.capture_payment(payment=payment)
    assert Payment.objects.get().status == "authorized"


def test_a_stripe_outage_is_an_operational_error_not_a_decline(recorded_stripe, shopper):
    # Stripe-Should-Retry is absent here, so the library retries a 500 twice before giving up.
    for _ in range(3):
        recorded_stripe.expect("POST", INTENTS, recorded("api_error"), status=500)
    recorded_stripe._sleep_time_seconds = lambda retries: 0  # recorded answers need no backoff
    with pytest.raises(GatewayUnavailable) as raised:
        authorize(shopper)
    assert not isinstance(raised.value, DomainError)  # the checkout's operational path
    assert Payment.objects.count() == 0


def test_a_refund_that_cannot_reach_stripe_stays_pending_in_the_outbox(
    recorded_stripe, shopper, monkeypatch
):
    expect_authorization(recorded_stripe)
    payment = authorize(shopper)

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("Connection reset by peer")

    refund = services.request_refund(payment_id=payment.pk, amount=Decimal("5.00"), reason_key="x")
    monkeypatch.setattr(recorded_stripe, "request", unreachable)
    refund = services.process_refund(refund_id=refund.pk)
    assert (refund.status, refund.attempts) == ("pending", 1)
    assert "Stripe is unavailable" in refund.last_error


def test_zero_decimal_currencies_are_sent_in_whole_units(recorded_stripe, shopper):
    recorded_stripe.expect(
        "POST",
        INTENTS,
        recorded("payment_intent_requires_capture", amount=1500, currency="jpy"),
        params={"amount": "1500", "currency": "jpy"},
    )
    payment = authorize(shopper, amount="1500", currency="JPY")
    assert (payment.amount, payment.currency) == (Decimal("1500.00"), "JPY")


def test_a_fraction_of_a_yen_is_refused_before_calling_stripe(recorded_stripe, shopper):
    with pytest.raises(InvalidInput) as raised:
        authorize(shopper, amount="1500.50", currency="JPY")
    assert raised.value.code == "amount_not_representable"
    assert recorded_stripe.sent == []


def test_the_stripe_gateway_needs_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY"):
        get_gateway("stripe")


def test_a_shopper_asking_for_stripe_on_an_instance_without_it_gets_a_422(settings, shopper):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(InvalidInput) as raised:
        authorize(shopper)
    assert (raised.value.code, raised.value.field) == (
        "payment_method_unavailable",
        "payment.method",
    )


def test_an_unknown_gateway_name_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        get_gateway("paypal")
