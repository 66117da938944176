"""Delivery: the signed carrier webhook, the buyer's confirmation and automatic delivery."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.orders import services, shipments
from clipcart.orders.models import CarrierEvent, Order, Shipment
from clipcart.orders.tasks import auto_confirm_deliveries

from ..conftest import ApiClient
from .helpers import FEDEX, UPS, lines_of, post_event, signed, two_line_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, shop, product):
    return two_line_order(shopper, shop, product)


@pytest.fixture
def shipped(order, seller):
    """The order in two parcels: the serums by UPS, the masks by FedEx."""
    serum, mask = lines_of(order)
    for carrier, number, line in (("UPS", UPS, serum), ("FedEx", FEDEX, mask)):
        quantity = order.lines.get(pk=line).quantity
        services.ship_order(
            shop_id=order.shop_id,
            order_id=order.pk,
            carrier=carrier,
            tracking_number=number,
            lines=[{"line_id": line, "quantity": quantity}],
            actor=seller,
        )
    # Shipped two days ago, so events of the last hours come after it.
    Shipment.objects.update(shipped_at=timezone.now() - timedelta(days=2))
    return Order.objects.get(pk=order.pk)


def event(event_id: str, number: str, status: str = "delivered", at: datetime | None = None):
    at = at or timezone.now()
    return {
        "id": event_id,
        "tracking_number": number,
        "status": status,
        "occurred_at": at.isoformat(),
    }


# --- The webhook ---------------------------------------------------------------------------------


def test_the_order_is_delivered_when_its_last_parcel_is(client, shipped):
    first_at = timezone.now() - timedelta(hours=5)
    last_at = timezone.now() - timedelta(hours=1)
    answer = post_event(client, "ups", event("evt-1", UPS, at=first_at))
    assert answer.status_code == 200
    assert (answer.json()["outcome"], answer.json()["shipments"]) == ("applied", 1)
    assert Order.objects.get(pk=shipped.pk).status == "shipped"

    post_event(client, "fedex", event("evt-2", FEDEX, at=last_at))
    order = Order.objects.get(pk=shipped.pk)
    assert order.status == "delivered"
    assert order.delivered_at == last_at
    assert set(Shipment.objects.values_list("delivery_source", flat=True)) == {"carrier"}


def test_in_transit_and_exception_events_update_the_parcel_but_not_the_order(client, shipped):
    post_event(client, "ups", event("e-1", UPS, "in_transit", timezone.now() - timedelta(hours=2)))
    post_event(client, "ups", event("e-2", UPS, "exception", timezone.now() - timedelta(hours=1)))
    stale = post_event(
        client, "ups", event("e-3", UPS, "in_transit", timezone.now() - timedelta(hours=3))
    )
    assert stale.json()["outcome"] == "stale"  # older than what the carrier already said
    assert Shipment.objects.get(carrier="ups").status == "exception"
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


def test_a_replayed_event_is_a_200_no_op(client, shipped):
    body = event("evt-same", UPS)
    first = post_event(client, "ups", body)
    replay = post_event(client, "ups", {**body, "status": "exception"})
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json()["replayed"] is True and replay.json()["status"] == "delivered"
    assert CarrierEvent.objects.count() == 1
    assert Shipment.objects.get(carrier="ups").status == "delivered"


def test_an_unknown_tracking_number_is_recorded_and_ignored(client, shipped):
    answer = post_event(client, "ups", event("evt-x", "1Z000000000000000000"))
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "unknown_tracking_number"
    assert CarrierEvent.objects.get().outcome == "unknown_tracking_number"
    assert not Shipment.objects.filter(delivered_at__isnull=False).exists()


def test_the_number_must_be_on_the_same_carriers_parcel(client, shipped):
    answer = post_event(client, "dhl", event("evt-d", UPS))
    assert answer.json()["outcome"] == "unknown_tracking_number"


def test_a_bad_signature_is_refused_and_changes_nothing(client, shipped):
    raw, _ = signed(event("evt-1", UPS), secret="not-the-secret")
    _, header = signed(event("evt-1", UPS), secret="not-the-secret")
    answer = client.post(
        "/api/v1/webhooks/carriers/ups",
        data=raw,
        content_type="application/json",
        headers={"Clipcart-Signature": header},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_signature")
    assert not CarrierEvent.objects.exists()
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


@pytest.mark.parametrize(
    "header", ["", "t=123", "v1=abc", "t=abc,v1=" + "0" * 64, "garbage", "t=1,v1=" + "g" * 64]
)
def test_malformed_signature_headers_are_bad_signatures(client, shipped, header):
    answer = client.post(
        "/api/v1/webhooks/carriers/ups",
        data=b"{}",
        content_type="application/json",
        headers={"Clipcart-Signature": header},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_signature")


def test_a_body_changed_after_signing_is_refused(client, shipped):
    _, header = signed(event("evt-1", UPS))
    tampered = signed(event("evt-1", FEDEX))[0]
    answer = client.post(
        "/api/v1/webhooks/carriers/ups",
        data=tampered,
        content_type="application/json",
        headers={"Clipcart-Signature": header},
    )
    assert answer.json()["error"]["code"] == "bad_signature"


def test_an_old_timestamp_is_refused(client, shipped):
    answer = post_event(client, "ups", event("evt-old", UPS), at=time.time() - 301)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "signature_expired")
    assert not CarrierEvent.objects.exists()


def test_a_timestamp_within_five_minutes_is_accepted(client, shipped):
    assert post_event(client, "ups", event("e", UPS), at=time.time() - 290).status_code == 200


def test_no_secret_verifies_nothing(client, shipped, settings):
    settings.CLIPCART_CARRIER_WEBHOOK_SECRET = ""
    answer = post_event(client, "ups", event("evt-1", UPS), secret="")
    assert answer.json()["error"]["code"] == "bad_signature"


def test_an_unknown_carrier_slug_is_404(client, shipped):
    answer = post_event(client, "pony-express", event("evt-1", UPS))
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "unknown_carrier")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"id": ""}, "id"),
        ({"id": "x" * 101}, "id"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-05-01T12:00:00"}, "occurred_at"),  # no offset
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"tracking_number": "!"}, "tracking_number"),
    ],
)
def test_malformed_events_are_422(client, shipped, change, field):
    answer = post_event(client, "ups", {**event("evt-1", UPS), **change})
    assert (answer.status_code, answer.json()["error"]["field"]) == (422, field)
    assert not CarrierEvent.objects.exists()


def test_a_signed_body_that_is_not_an_object_is_422(client):
    raw = b"[1, 2]"
    header = shipments.sign(secret="dev-carrier-secret", raw_body=raw, timestamp=int(time.time()))
    answer = client.post(
        "/api/v1/webhooks/carriers/ups",
        data=raw,
        content_type="application/json",
        headers={"Clipcart-Signature": header},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_json")


def test_a_delivery_reported_before_shipping_counts_from_the_shipping_time(client, shipped):
    post_event(client, "ups", event("e", UPS, at=timezone.now() - timedelta(days=30)))
    parcel = Shipment.objects.get(carrier="ups")
    assert parcel.delivered_at == parcel.shipped_at


def test_buyer_and_seller_are_told_of_the_delivery(
    client, shipped, shopper, seller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, "ups", event("e-1", UPS))
        post_event(client, "fedex", event("e-2", FEDEX))
    buyer_notes = list(
        Notification.objects.filter(user=shopper, kind="order_delivered").values_list(
            "message", flat=True
        )
    )
    assert any(m.startswith("A parcel of order") for m in buyer_notes)
    assert any(m.startswith(f"Order #{shipped.pk}") for m in buyer_notes)
    assert Notification.objects.filter(user=seller, kind="order_delivered").count() == 2


# --- The buyer ------------------------------------------------------------------------------------


def test_the_buyer_confirming_delivers_every_parcel(shopper_api, shipped, client):
    post_event(client, "ups", event("e-1", UPS, at=timezone.now() - timedelta(hours=3)))
    answer = shopper_api.post(f"/orders/{shipped.pk}/confirm-delivery")
    assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    sources = dict(Shipment.objects.values_list("carrier", "delivery_source"))
    assert sources == {"ups": "carrier", "fedex": "buyer"}
    assert [s["delivered_by"] for s in answer.json()["shipments"]] == ["carrier", "buyer"]


def test_a_partly_shipped_order_cannot_be_confirmed(shopper_api, seller, order):
    serum, _ = lines_of(order)
    services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number=UPS,
        lines=[{"line_id": serum, "quantity": 2}],
        actor=seller,
    )
    answer = shopper_api.post(f"/orders/{order.pk}/confirm-delivery")
    assert answer.status_code == 409
    assert not Shipment.objects.filter(delivered_at__isnull=False).exists()


def test_another_buyer_cannot_confirm(stranger, shipped):
    answer = ApiClient(stranger).post(f"/orders/{shipped.pk}/confirm-delivery")
    assert answer.status_code == 404
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


# --- Automatic delivery --------------------------------------------------------------------------


def _with_promise(order: Order, delivers_by: date | None, shipped_days_ago: int = 0) -> None:
    Order.objects.filter(pk=order.pk).update(delivers_by=delivers_by)
    Shipment.objects.filter(order=order).update(
        shipped_at=timezone.now() - timedelta(days=shipped_days_ago)
    )


def test_parcels_are_delivered_automatically_days_after_the_promised_date(shipped, settings):
    settings.CLIPCART_AUTO_DELIVER_AFTER_DAYS = 7
    today = timezone.localdate()
    _with_promise(shipped, today - timedelta(days=6), shipped_days_ago=10)
    assert auto_confirm_deliveries.delay().get() == 0
    _with_promise(shipped, today - timedelta(days=7), shipped_days_ago=10)
    assert auto_confirm_deliveries.delay().get() == 2
    order = Order.objects.get(pk=shipped.pk)
    assert order.status == "delivered"
    assert set(Shipment.objects.values_list("delivery_source", flat=True)) == {"auto"}
    assert "automatically" in order.events.last().note
    assert auto_confirm_deliveries.delay().get() == 0  # idempotent


def test_without_a_promised_date_the_transit_time_on_the_shop_calendar_counts(shipped, settings):
    settings.CLIPCART_AUTO_DELIVER_AFTER_DAYS = 2
    settings.CLIPCART_TRANSIT_BUSINESS_DAYS = 5
    # Shipped on a Monday: 5 business days is the next Monday, plus 2 days is Wednesday.
    monday = datetime(2026, 3, 2, 15, tzinfo=UTC)
    Order.objects.filter(pk=shipped.pk).update(delivers_by=None)
    Shipment.objects.filter(order=shipped).update(shipped_at=monday)
    tuesday_after = monday + timedelta(days=8)
    assert shipments.auto_confirm_deliveries(now=tuesday_after) == 0
    assert shipments.auto_confirm_deliveries(now=tuesday_after + timedelta(days=1)) == 2


def test_a_parcel_the_carrier_delivered_is_left_alone(client, shipped, settings):
    post_event(client, "ups", event("e-1", UPS, at=timezone.now() - timedelta(hours=1)))
    _with_promise(shipped, timezone.localdate() - timedelta(days=30), shipped_days_ago=31)
    assert shipments.auto_confirm_deliveries() == 1
    sources = dict(Shipment.objects.values_list("carrier", "delivery_source"))
    assert sources == {"ups": "carrier", "fedex": "auto"}


def test_parcels_of_refunded_orders_are_not_auto_delivered(shipped):
    _with_promise(shipped, timezone.localdate() - timedelta(days=30), shipped_days_ago=31)
    Order.objects.filter(pk=shipped.pk).update(status="refunded")
    assert shipments.auto_confirm_deliveries() == 0


def test_auto_delivery_tells_buyer_and_seller(
    shipped, shopper, seller, django_capture_on_commit_callbacks
):
    _with_promise(shipped, timezone.localdate() - timedelta(days=30), shipped_days_ago=31)
    with django_capture_on_commit_callbacks(execute=True):
        shipments.auto_confirm_deliveries()
    assert Notification.objects.filter(user=shopper, kind="order_delivered").exists()
    assert Notification.objects.filter(user=seller, kind="order_delivered").exists()
