"""An order of two lines (2 serums, 3 masks) and signed carrier events, for the shipment tests."""

from __future__ import annotations

import json
import time
import uuid

from django.conf import settings

from clipcart.checkout import services as checkout_services
from clipcart.orders import shipments
from clipcart.orders.models import Order

from ..conftest import ADDRESS
from ..factories import make_product

UPS = "1Z999AA10123456784"
UPS_2 = "1Z999AA10123456785"
FEDEX = "123456789012"


def two_line_order(shopper, shop, product) -> Order:
    """A paid order of 2 serums and 3 masks (uneven, so mixed-up lines show)."""
    mask = make_product(shop=shop, title="Clay mask", price="8.00", stock=10)
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=product.variants.get().pk, quantity=2)
    checkout_services.add_item(cart=cart, variant_id=mask.variants.get().pk, quantity=3)
    result = checkout_services.checkout(
        buyer=shopper,
        cart=cart,
        shipping_address=ADDRESS,
        payment={"method": "test", "token": "tok_visa"},
        idempotency_key=uuid.uuid4().hex,
        request_body={},
    )
    assert result.status == 201, result.body
    return Order.objects.get(pk=result.body["orders"][0]["id"])


def lines_of(order: Order) -> tuple[int, int]:
    """(serum line id, mask line id)."""
    return order.lines.get(title="Glow serum").pk, order.lines.get(title="Clay mask").pk


def signed(body: dict, *, at: float | None = None, secret: str | None = None) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    header = shipments.sign(
        secret=secret or settings.CLIPCART_CARRIER_WEBHOOK_SECRET,
        raw_body=raw,
        timestamp=int(at if at is not None else time.time()),
    )
    return raw, header


def post_event(client, carrier: str, body: dict, **kwargs):
    raw, header = signed(body, **kwargs)
    return client.post(
        f"/api/v1/webhooks/carriers/{carrier}",
        data=raw,
        content_type="application/json",
        headers={"Clipcart-Signature": header},
    )
