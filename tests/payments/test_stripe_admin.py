"""The operator reads Stripe's events and disputes in the admin; nobody edits them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clipcart.payments.models import Payment, PaymentDispute, StripeEvent

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin_client_of(operator):
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def rows(shopper):
    payment = Payment.objects.create(
        buyer=shopper,
        gateway="stripe",
        charge_id="pi_1",
        idempotency_key="checkout-1",
        amount=Decimal("24.99"),
        currency="USD",
        status="captured",
    )
    event = StripeEvent.objects.create(
        event_id="evt_1",
        type="charge.dispute.created",
        created=AT,
        object_id="du_1",
        payload={"id": "evt_1"},
        processed_at=AT,
        outcome="applied",
    )
    dispute = PaymentDispute.objects.create(
        dispute_id="du_1",
        payment=payment,
        status="needs_response",
        reason="fraudulent",
        amount=Decimal("24.99"),
        currency="USD",
        opened_at=AT,
        last_event_at=AT,
    )
    return event, dispute


@pytest.mark.parametrize("model", ["stripeevent", "paymentdispute"])
def test_the_operator_lists_and_opens_events_and_disputes(admin_client_of, rows, model):
    listing = admin_client_of.get(reverse(f"admin:payments_{model}_changelist"))
    assert listing.status_code == 200
    assert b"du_1" in listing.content


def test_events_filter_by_type_and_processing(admin_client_of, rows):
    url = reverse("admin:payments_stripeevent_changelist")
    hit = admin_client_of.get(url, {"type": "charge.dispute.created", "outcome": "applied"})
    miss = admin_client_of.get(url, {"type": "payment_intent.succeeded"})
    assert b"evt_1" in hit.content and b"evt_1" not in miss.content


@pytest.mark.parametrize("model", ["stripeevent", "paymentdispute"])
def test_events_and_disputes_cannot_be_added_changed_or_deleted(admin_client_of, rows, model):
    event, dispute = rows
    pk = event.pk if model == "stripeevent" else dispute.pk
    assert admin_client_of.get(reverse(f"admin:payments_{model}_add")).status_code == 403
    assert (
        admin_client_of.get(reverse(f"admin:payments_{model}_delete", args=[pk])).status_code == 403
    )
    change = admin_client_of.post(reverse(f"admin:payments_{model}_change", args=[pk]), {})
    assert change.status_code == 403
