from decimal import Decimal

import pytest

from clipcart.inventory.selectors import available_quantity
from clipcart.payments.models import Payment

from ..conftest import checkout_body

pytestmark = pytest.mark.django_db


def first_variant(product):
    return product.variants.first()


def test_one_payment_for_a_cart_from_two_shops_makes_one_order_per_shop(
    shopper_api, product, other_product
):
    shopper_api.post("/cart/items", {"variant_id": first_variant(product).pk, "quantity": 2})
    shopper_api.post("/cart/items", {"variant_id": first_variant(other_product).pk, "quantity": 1})

    response = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "k1"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment_status"] == "captured"
    totals = {o["shop_id"]: o["total"] for o in body["orders"]}
    assert totals == {product.shop_id: "44.99", other_product.shop_id: "15.50"}
    assert all(o["status"] == "paid" for o in body["orders"])
    assert Payment.objects.get().amount == Decimal("60.49")
    assert available_quantity(first_variant(product).pk) == 8
    assert shopper_api.get("/cart").json()["lines"] == []
