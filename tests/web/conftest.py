"""Fixtures for the page tests: signed-in browsers (Django test clients) and ready-made data."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_product

from .helpers import buy


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded test images must not land in var/


@pytest.fixture
def shopper_client(shopper) -> Client:
    client = Client()
    client.force_login(shopper)
    return client


@pytest.fixture
def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller)
    return client


@pytest.fixture
def stranger_client(stranger) -> Client:
    client = Client()
    client.force_login(stranger)
    return client


@pytest.fixture
def hoodie(shop):
    """A product with two sizes at different prices; Large is nearly sold out."""
    return make_product(
        shop=shop,
        title="Cloud hoodie",
        price="40.00",
        variants=[
            {"name": "Small", "sku": "HOOD-S", "price": "40.00", "stock": 20},
            {"name": "Large", "sku": "HOOD-L", "price": "44.00", "stock": 3},
        ],
    )


@pytest.fixture
def paid_order(shopper, product):
    from clipcart.orders.models import Order

    return Order.objects.get(pk=buy(shopper, product)[0]["id"])
