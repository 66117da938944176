"""POST /api/v1/webhooks/stripe with deliveries signed by Stripe's own library."""

import logging
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from clipcart.accounts.models import Notification
from clipcart.payments import selectors, services
from clipcart.payments.models import Payment, PaymentDispute, Refund, StripeEvent

from ..factories import buy
from .conftest import INTENT_ID, deliver, recorded, signature, stripe_event

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
T0 = int(NOW.timestamp()) - 3600  # when the events happened at Stripe (an hour ago)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def payment(shopper, webhook_secret):
    return Payment.objects.create(
        buyer=shopper,
        gateway="stripe",
        charge_id=INTENT_ID,
        idempotency_key="checkout-1",
        amount=Decimal("24.99"),
        currency="USD",
        status="authorized",
    )


@pytest.fixture
def paid_order(shopper, product, webhook_secret):
    """A real order whose payment is the Stripe intent of the recorded bodies."""
    order = buy(shopper, [product.variants.get().pk])[0]
    Payment.objects.update(gateway="stripe", charge_id=INTENT_ID)
    return order


def intent_event(event_id, type_, fixture, *, created=T0, **changes):
    return stripe_event(event_id, type_, recorded(fixture, **changes), created=created)


def refunded_event(event_id, cents, *, full=False, created=T0, **changes):
    charge = recorded("charge", amount_refunded=cents, refunded=full, **changes)
    return stripe_event(event_id, "charge.refunded", charge, created=created)


def dispute_event(event_id, type_, status, *, created=T0):
    return stripe_event(event_id, type_, recorded("dispute", status=status), created=created)


def status_of(payment) -> str:
    payment.refresh_from_db()
    return payment.status


def test_a_signed_event_is_stored_and_applied(api, payment):
    response = deliver(
        api, intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "received": True,
        "event_id": "evt_1",
        "type": "payment_intent.succeeded",
        "duplicate": False,
        "outcome": "applied",
    }
    assert status_of(payment) == "captured"
    event = StripeEvent.objects.get()
    assert (event.type, event.object_id, event.outcome) == (
        "payment_intent.succeeded",
        INTENT_ID,
        "applied",
    )
    assert event.processed_at is not None and event.payload["id"] == "evt_1"


def test_the_same_event_delivered_twice_is_applied_once(
    api, paid_order, django_capture_on_commit_callbacks
):
    body = dispute_event("evt_d1", "charge.dispute.created", "needs_response")
    with django_capture_on_commit_callbacks(execute=True):
        first, again = deliver(api, body), deliver(api, body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert StripeEvent.objects.count() == PaymentDispute.objects.count() == 1
    assert Notification.objects.filter(kind="payment_dispute").count() == 1


def test_a_replayed_delivery_with_its_original_signature_changes_nothing(api, payment):
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    header = signature(body)
    deliver(api, body, header=header)
    Payment.objects.filter(pk=payment.pk).update(status="authorized")  # would show a re-apply
    replay = deliver(api, body, header=header)
    assert (replay.status_code, replay.json()["duplicate"]) == (200, True)
    assert status_of(payment) == "authorized"


def test_a_signature_made_with_another_secret_is_400_and_nothing_is_stored(api, payment):
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    response = deliver(api, body, header=signature(body, secret="whsec_someone_else"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert (StripeEvent.objects.count(), status_of(payment)) == (0, "authorized")


def test_a_body_changed_after_signing_is_400(api, payment):
    body = intent_event("evt_1", "payment_intent.canceled", "payment_intent_canceled")
    header = signature(body)
    tampered = body.replace("payment_intent.canceled", "payment_intent.succeeded")
    response = deliver(api, tampered, header=header)
    assert response.json()["error"]["code"] == "invalid_signature"
    assert status_of(payment) == "authorized"


@pytest.mark.parametrize("header", ["t=abc,v1=00", "v1=deadbeef", "garbage", "t=1763780400"])
def test_a_malformed_signature_header_is_400(api, payment, header):
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    response = deliver(api, body, header=header)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_signature")


def test_a_missing_signature_header_is_400(api, payment):
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    response = api.post("/webhooks/stripe", body)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "missing_signature",
        "message": "The Stripe-Signature header is missing.",
        "field": "Stripe-Signature",
    }


def test_a_genuine_signature_older_than_five_minutes_is_refused_as_a_possible_replay(api, payment):
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    old = deliver(api, body, header=signature(body, at=int(NOW.timestamp()) - 301))
    assert (old.status_code, old.json()["error"]["code"]) == (400, "timestamp_outside_tolerance")
    assert (StripeEvent.objects.count(), status_of(payment)) == (0, "authorized")
    recent = deliver(api, body, header=signature(body, at=int(NOW.timestamp()) - 299))
    assert recent.status_code == 200
    assert status_of(payment) == "captured"


def test_a_signed_body_that_is_not_an_event_is_400(api, payment):
    for body in ["not json", '{"id": "evt_1", "object": "event"}']:
        response = deliver(api, body)
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_payload")
    assert StripeEvent.objects.count() == 0


def test_without_a_webhook_secret_every_delivery_is_refused_with_503(api, payment, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = intent_event("evt_1", "payment_intent.succeeded", "payment_intent_succeeded")
    response = deliver(api, body)
    assert (response.status_code, response.json()["error"]["code"]) == (
        503,
        "webhook_not_configured",
    )


def test_a_success_arriving_after_the_refund_does_not_unrefund(api, payment):
    Payment.objects.filter(pk=payment.pk).update(status="captured")
    refund = deliver(api, refunded_event("evt_r", 2499, full=True, created=T0 + 10))
    late = deliver(
        api,
        intent_event(
            "evt_s", "payment_intent.succeeded", "payment_intent_succeeded", created=T0 + 5
        ),
    )
    assert (refund.json()["outcome"], late.json()["outcome"]) == ("applied", "stale")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", Decimal("24.99"))


def test_a_cancel_arriving_after_the_capture_is_ignored_and_logged(api, payment, caplog):
    deliver(api, intent_event("evt_s", "payment_intent.succeeded", "payment_intent_succeeded"))
    with caplog.at_level(logging.WARNING, logger="clipcart.payments"):
        late = deliver(
            api,
            intent_event("evt_c", "payment_intent.canceled", "payment_intent_canceled", created=T0),
        )
    assert late.json()["outcome"] == "not_forward"
    assert status_of(payment) == "captured"
    assert "from captured back to voided" in caplog.text
    assert StripeEvent.objects.get(event_id="evt_c").note.startswith("payment is captured")


def test_an_older_partial_refund_total_does_not_shrink_a_newer_one(api, payment):
    Payment.objects.filter(pk=payment.pk).update(status="captured")
    deliver(api, refunded_event("evt_2", 2000, created=T0 + 20))
    older = deliver(api, refunded_event("evt_1", 1000, created=T0 + 20))  # same second, smaller
    assert older.json()["outcome"] == "not_forward"
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", Decimal("20.00"))


def test_authorization_capture_failure_and_cancel_events_move_a_payment(api, payment, shopper):
    Payment.objects.filter(pk=payment.pk).update(status="declined")
    deliver(
        api,
        intent_event(
            "evt_a",
            "payment_intent.amount_capturable_updated",
            "payment_intent_requires_capture",
        ),
    )
    assert status_of(payment) == "authorized"
    failed = deliver(
        api,
        intent_event(
            "evt_f",
            "payment_intent.payment_failed",
            "payment_intent_requires_capture",
            status="requires_payment_method",
            last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"},
        ),
    )
    assert failed.json()["outcome"] == "not_forward"  # an authorized hold does not fail later
    deliver(api, intent_event("evt_c", "payment_intent.canceled", "payment_intent_canceled"))
    assert status_of(payment) == "voided"


def test_a_failed_payment_event_records_the_decline_code(api, payment):
    Payment.objects.filter(pk=payment.pk).update(status="declined")
    other = Payment.objects.create(
        buyer=payment.buyer,
        gateway="stripe",
        charge_id="pi_3QhL0a2eZvKYlo2C1aAbBcCd",
        idempotency_key="checkout-2",
        amount=Decimal("24.99"),
        currency="USD",
        status="declined",
    )
    body = recorded("card_declined")["error"]["payment_intent"]
    response = deliver(api, stripe_event("evt_f", "payment_intent.payment_failed", body))
    assert response.json()["outcome"] == "not_forward"  # already declined by the API answer
    other.refresh_from_db()
    assert other.status == "declined"


def test_a_refund_event_settles_the_pending_outbox_refund_it_paid(api, payment):
    Payment.objects.filter(pk=payment.pk).update(status="captured")
    pending = services.request_refund(
        payment_id=payment.pk, amount=Decimal("10.00"), reason_key="r1"
    )
    other = services.request_refund(payment_id=payment.pk, amount=Decimal("5.00"), reason_key="r2")
    response = deliver(api, refunded_event("evt_r", 1000))
    assert response.json()["outcome"] == "applied"
    pending.refresh_from_db(), other.refresh_from_db()
    assert (pending.status, other.status) == ("succeeded", "pending")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", Decimal("10.00"))


def test_a_refund_event_listing_its_refunds_settles_them_by_their_key(api, payment):
    Payment.objects.filter(pk=payment.pk).update(status="captured")
    first = services.request_refund(payment_id=payment.pk, amount=Decimal("10.00"), reason_key="r1")
    second = services.request_refund(
        payment_id=payment.pk, amount=Decimal("10.00"), reason_key="r2"
    )
    listed = {
        "object": "list",
        "data": [
            recorded(
                "refund_succeeded", metadata={"clipcart_idempotency_key": "checkout-1:refund:r2"}
            )
        ],
        "has_more": False,
    }
    deliver(api, refunded_event("evt_r", 1000, refunds=listed))
    assert set(Refund.objects.values_list("reason_key", "status")) == {
        (first.reason_key, "pending"),
        (second.reason_key, "succeeded"),
    }


def test_a_dispute_is_recorded_then_closed_and_the_seller_is_told_both_times(
    api, paid_order, seller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opened = deliver(api, dispute_event("evt_d1", "charge.dispute.created", "needs_response"))
    assert opened.json()["outcome"] == "applied"
    dispute = PaymentDispute.objects.get()
    assert (dispute.status, dispute.reason, dispute.amount, dispute.currency) == (
        "needs_response",
        "fraudulent",
        Decimal("24.99"),
        "USD",
    )
    assert dispute.is_open and dispute.closed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            api, dispute_event("evt_d2", "charge.dispute.updated", "under_review", created=T0 + 60)
        )
        deliver(api, dispute_event("evt_d3", "charge.dispute.closed", "won", created=T0 + 120))
    dispute.refresh_from_db()
    assert (dispute.status, dispute.is_open) == ("won", False)
    assert dispute.closed_at == datetime.fromtimestamp(T0 + 120, tz=UTC)
    messages = list(
        Notification.objects.filter(user=seller, kind="payment_dispute")
        .order_by("pk")
        .values_list("message", flat=True)
    )
    assert len(messages) == 2
    assert f"order #{paid_order['id']}" in messages[0] and "fraudulent" in messages[0]
    assert messages[1].endswith("closed: won.")


def test_a_closed_dispute_is_not_reopened_by_a_late_creation_event(api, paid_order):
    deliver(api, dispute_event("evt_d3", "charge.dispute.closed", "lost", created=T0 + 120))
    late = deliver(api, dispute_event("evt_d1", "charge.dispute.created", "needs_response"))
    assert late.json()["outcome"] == "not_forward"
    dispute = PaymentDispute.objects.get()
    assert (dispute.status, dispute.is_open) == ("lost", False)


def test_the_orders_of_a_disputed_payment_are_named_for_the_ledger_hold(api, paid_order):
    deliver(api, dispute_event("evt_d1", "charge.dispute.created", "needs_response"))
    dispute = PaymentDispute.objects.get()
    assert selectors.order_ids_of_payment(payment_id=dispute.payment_id) == [paid_order["id"]]
    assert selectors.dispute_hold_key(dispute_id=dispute.dispute_id, order_id=7) == (
        "dispute:du_1QhMzA2eZvKYlo2CxYzAbCdE:order:7"
    )


def test_an_event_for_a_payment_clipcart_does_not_know_is_stored_and_answered_200(api, payment):
    body = intent_event(
        "evt_x", "payment_intent.succeeded", "payment_intent_succeeded", id="pi_other"
    )
    response = deliver(api, body)
    assert (response.status_code, response.json()["outcome"]) == (200, "unknown_payment")
    assert status_of(payment) == "authorized"


def test_an_event_type_clipcart_does_not_act_on_is_stored_and_answered_200(api, payment):
    response = deliver(
        api, stripe_event("evt_p", "payout.paid", {"id": "po_1", "object": "payout"})
    )
    assert (response.status_code, response.json()["outcome"]) == (200, "unhandled")
    assert StripeEvent.objects.get().object_id == "po_1"


def test_a_webhook_test_of_time_uses_the_frozen_clock():
    # The deliveries above are signed "now"; the clock is frozen so none can drift past 5 min.
    assert int(time.time()) == int(NOW.timestamp())


# --- Disputes in the ledger -------------------------------------------------------------------


def _held(order_id: int) -> Decimal:
    from clipcart.ledger.models import Hold

    hold = Hold.objects.get(order_id=order_id)
    return Decimal("0.00") if hold.released_at else hold.amount


def test_a_dispute_holds_only_its_orders_money_and_a_won_one_gives_it_back(
    api, paid_order, shop, django_capture_on_commit_callbacks
):
    from clipcart.ledger import selectors as ledger_selectors
    from clipcart.ledger.models import Hold

    with django_capture_on_commit_callbacks(execute=True):
        deliver(api, dispute_event("evt_d1", "charge.dispute.created", "needs_response"))
    hold = Hold.objects.get()
    assert hold.order_id == paid_order["id"] and "fraudulent" in hold.reason
    assert _held(paid_order["id"]) > 0
    with django_capture_on_commit_callbacks(execute=True):
        deliver(api, dispute_event("evt_d3", "charge.dispute.closed", "won", created=T0 + 120))
    assert _held(paid_order["id"]) == 0
    assert ledger_selectors.reconciliation().ok


def test_a_lost_dispute_books_a_chargeback_and_the_ledger_still_reconciles(
    api, paid_order, django_capture_on_commit_callbacks
):
    from clipcart.ledger import selectors as ledger_selectors
    from clipcart.ledger.models import LedgerTransaction

    with django_capture_on_commit_callbacks(execute=True):
        deliver(api, dispute_event("evt_d1", "charge.dispute.created", "needs_response"))
        deliver(api, dispute_event("evt_d3", "charge.dispute.closed", "lost", created=T0 + 120))
    chargeback = LedgerTransaction.objects.get(kind="chargeback")
    assert chargeback.order_id == paid_order["id"]
    report = ledger_selectors.reconciliation()
    assert report.ok and report.currencies[0].chargebacks > 0


def test_a_dispute_closed_before_its_opening_event_holds_nothing_and_fails_nothing(
    api, paid_order, django_capture_on_commit_callbacks
):
    from clipcart.ledger.models import Hold

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            api, dispute_event("evt_d3", "charge.dispute.closed", "won", created=T0 + 120)
        )
    assert response.status_code == 200 and not Hold.objects.exists()
