"""Helpers of the page tests: form bodies, a paid checkout, an image file."""

from __future__ import annotations

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests import factories
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
    """Pays for `quantity` units of each product's first variant: paid orders."""
    return factories.buy(buyer, [variant(p).pk for p in products], quantity=quantity)


def png_file(name: str = "photo.png", size=(640, 480), color=(225, 29, 72)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
