from decimal import Decimal

import pytest

from clipcart.payments.gateways import TestGateway

pytestmark = pytest.mark.django_db
AMOUNT = Decimal("25.00")


@pytest.fixture
def gateway():
    return TestGateway()


def authorized(gateway, key="k1"):
    return gateway.authorize(amount=AMOUNT, currency="USD", token="tok_visa", idempotency_key=key)


def test_tok_visa_authorizes_and_tok_charge_declined_is_declined(gateway):
    assert authorized(gateway).status == "authorized"
    declined = gateway.authorize(
        amount=AMOUNT, currency="USD", token="tok_chargeDeclined", idempotency_key="k2"
    )
    assert (declined.ok, declined.decline_code) == (False, "card_declined")


def test_a_repeated_authorization_key_returns_the_same_charge(gateway):
    assert authorized(gateway).charge_id == authorized(gateway).charge_id


def test_capture_void_and_refund_are_each_idempotent(gateway):
    charge = authorized(gateway).charge_id
    assert gateway.capture(charge_id=charge, idempotency_key="c").ok
    assert gateway.capture(charge_id=charge, idempotency_key="c").ok  # a retry, not a 2nd capture
    first = gateway.refund(charge_id=charge, amount=Decimal("10.00"), idempotency_key="r1")
    repeat = gateway.refund(charge_id=charge, amount=Decimal("10.00"), idempotency_key="r1")
    assert (first.amount_refunded, repeat.amount_refunded) == ("10.00", "10.00")


def test_a_provider_refuses_impossible_moves(gateway):
    charge = authorized(gateway).charge_id
    assert not gateway.refund(charge_id=charge, amount=AMOUNT, idempotency_key="r").ok
    assert gateway.void(charge_id=charge, idempotency_key="v").ok
    assert not gateway.capture(charge_id=charge, idempotency_key="c").ok
    other = authorized(gateway, "k9").charge_id
    gateway.capture(charge_id=other, idempotency_key="c9")
    assert not gateway.refund(charge_id=other, amount=Decimal("25.01"), idempotency_key="r9").ok
    full = gateway.refund(charge_id=other, amount=AMOUNT, idempotency_key="r10")
    assert (full.ok, full.status) == (True, "refunded")
