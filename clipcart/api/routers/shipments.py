"""The carriers' tracking webhook: signed events that move shipments in transit and deliver them."""

from __future__ import annotations

from datetime import datetime

from ninja import Header, Router, Schema, Status

from clipcart.api.schemas import ErrorOut
from clipcart.orders import shipments

router = Router(tags=["shipments"])


class CarrierEventIn(Schema):
    """What a carrier sends, as JSON; the raw body is what the signature covers."""

    id: str
    tracking_number: str
    status: str  # in_transit, delivered or exception
    occurred_at: datetime


class CarrierEventOut(Schema):
    id: str
    carrier: str
    tracking_number: str
    status: str
    occurred_at: datetime
    received_at: datetime
    outcome: str  # applied, unknown_tracking_number, stale, already_delivered
    shipments: int
    replayed: bool


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CarrierEventIn.model_json_schema()}},
    }
}


@router.post(
    "/webhooks/carriers/{carrier}",
    response={200: CarrierEventOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,  # the signature is the authentication
    url_name="carrier_webhook",
    openapi_extra=_BODY_DOC,
    summary="A carrier's tracking event (signed)",
)
def carrier_webhook(
    request, carrier: str, signature: str = Header("", alias=shipments.SIGNATURE_HEADER)
) -> Status:
    """Header `Clipcart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"
    under CLIPCART_CARRIER_WEBHOOK_SECRET>`. 400 `bad_signature`, or `signature_expired` when t
    is more than 5 minutes from now; 404 `unknown_carrier`. Each event id is processed once: a
    replay answers 200 with the first record and `replayed: true`. An unknown tracking number
    is recorded and answered 200 with outcome `unknown_tracking_number`."""
    received = shipments.receive_carrier_event(
        carrier=carrier, raw_body=request.body, signature=signature
    )
    event = received.event
    return Status(
        200,
        {
            "id": event.event_id,
            "carrier": event.carrier,
            "tracking_number": event.tracking_number,
            "status": event.status,
            "occurred_at": event.occurred_at,
            "received_at": event.received_at,
            "outcome": event.outcome,
            "shipments": event.shipments,
            "replayed": received.replayed,
        },
    )
