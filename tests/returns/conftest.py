"""Fixtures of the returns tests: a delivered order, photos, and requests through the API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from clipcart.orders import services as order_services
from clipcart.orders.models import Order, OrderStatus
from clipcart.returns import services

from ..factories import buy


def deliver(order_id: int) -> Order:
    order_services.transition(order_id=order_id, to=OrderStatus.SHIPPED)
    return order_services.transition(order_id=order_id, to=OrderStatus.DELIVERED)


def bought(buyer, product, *, quantity: int = 2) -> Order:
    """A paid order of `quantity` units of `product` (20.00 each in the fixtures)."""
    return Order.objects.get(pk=buy(buyer, [product.variants.get().pk], quantity=quantity)[0]["id"])


@pytest.fixture
def delivered(shopper, product) -> Order:
    """Two Glow serums at 20.00, paid and delivered just now."""
    return Order.objects.get(pk=deliver(bought(shopper, product).pk).pk)


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


def photo(name: str = "dent.png", data: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type)


def ask(order: Order, *, quantity: int = 1, reason: str = "changed_mind", photos=()):
    """A return request of `quantity` units of the order's only line, by its buyer."""
    return services.request_return(
        buyer=order.buyer,
        order_id=order.pk,
        lines=[{"line_id": order.lines.get().pk, "quantity": quantity}],
        reason=reason,
        details="",
        photo_files=list(photos),
    )


def api_request(client, order: Order, *, lines=None, reason="changed_mind", photos=(), **extra):
    """POST /orders/{id}/returns as multipart, the way the apps send photos."""
    body = {
        "reason": reason,
        "lines": json.dumps(
            lines if lines is not None else [{"line_id": order.lines.get().pk, "quantity": 1}]
        ),
        "details": extra.pop("details", ""),
    }
    if photos:
        body["photos"] = list(photos)
    return client.client.post(
        f"/api/v1/orders/{order.pk}/returns", data=body, headers=client.headers
    )


@pytest.fixture(autouse=True)
def _media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield
