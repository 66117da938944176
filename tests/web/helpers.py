"""Helpers of the page tests: form bodies, a paid checkout, an image file."""

from __future__ import annotations

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clipcart.checkout import services as checkout_services
from tests.conftest import ADDRESS


def variant(product, name: str | None = None):
    variants = product.variants.all()
    return variants.get(name=name) if name else variants.first()


def checkout_form(token: str = "tok_visa", key: str | None = None, **address) -> dict:
    return {
        **ADDRESS,
        **address,
        "token": token,
        "idempotency_key": key or uuid.uuid4().hex,
    }


def buy(buyer, *products, quantity: int = 1):
    """Pays for one unit of each product through the checkout service: paid orders."""
    cart = checkout_services.get_or_create_cart(user=buyer)
    for product in products:
        checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=quantity)
    result = checkout_services.checkout(
        buyer=buyer,
        cart=cart,
        shipping_address=ADDRESS,
        payment={"method": "test", "token": "tok_visa"},
        idempotency_key=uuid.uuid4().hex,
        request_body={},
    )
    assert result.status == 201, result.body
    return result.body["orders"]


def png_file(name: str = "photo.png", size=(640, 480), color=(225, 29, 72)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
