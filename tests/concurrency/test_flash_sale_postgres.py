"""What must hold when many buyers arrive at once. Real threads, real PostgreSQL row locks."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from clipcart.accounts import services as account_services
from clipcart.accounts.models import User
from clipcart.checkout import services as checkout_services
from clipcart.inventory import services as inventory_services
from clipcart.inventory.models import Reservation, Stock
from clipcart.orders.models import Order
from clipcart.payments.models import Payment, TestGatewayCharge

from ..conftest import checkout_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 40  # PostgreSQL's default max_connections is 100


def buyers_with_carts(count: int, variant_id: int) -> list[str]:
    """`count` shoppers, each with one unit of the variant in their cart; returns tokens."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"buyer{n}", email=f"buyer{n}@example.com", password=password)
        for n in range(count)
    )
    for user in users:
        cart = checkout_services.get_or_create_cart(user=user)
        checkout_services.CartLine.objects.create(cart=cart, variant_id=variant_id, quantity=1)
    return [account_services.issue_api_token(user=user) for user in users]


def checkout_as(token: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        response = Client().post(
            "/api/v1/checkout", checkout_body(), headers=headers, content_type="application/json"
        )
        return response.status_code, response.json()
    finally:
        connection.close()


@pytest.mark.parametrize("buckets", [1, 4])
def test_the_last_10_units_are_sold_exactly_once_to_200_concurrent_buyers(product, buckets):
    variant_id = product.variants.get().pk
    inventory_services.set_stock(variant_id=variant_id, quantity=10, buckets=buckets)
    tokens = buyers_with_carts(200, variant_id)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(checkout_as, tokens))

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 10, 409: 190}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"out_of_stock"}
    assert Order.objects.count() == 10
    assert sum(Stock.objects.filter(variant_id=variant_id).values_list("quantity", flat=True)) == 0
    assert Reservation.objects.filter(status="allocated").count() == 10
    assert not Reservation.objects.filter(status="held").exists()
    assert Payment.objects.filter(status="captured").count() == 10


def test_one_idempotency_key_replayed_10_times_at_once_makes_one_order_and_one_charge(product):
    (token,) = buyers_with_carts(1, product.variants.get().pk)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: checkout_as(token, key="tap-tap-tap"), range(10)))

    assert {status for status, _ in results} == {201}
    assert len({repr(body) for _, body in results}) == 1
    assert Order.objects.count() == 1
    assert TestGatewayCharge.objects.count() == 1
    assert Payment.objects.count() == 1


def test_concurrent_cancellations_refund_and_restock_once(product, shopper):
    variant_id = product.variants.get().pk
    (token,) = buyers_with_carts(1, variant_id)
    status, body = checkout_as(token)
    assert status == 201
    order_id = body["orders"][0]["id"]

    def cancel(_):
        try:
            response = Client().post(
                f"/api/v1/orders/{order_id}/cancel",
                {},
                headers={"Authorization": f"Bearer {token}"},
                content_type="application/json",
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(pool.map(cancel, range(8)))

    assert statuses == {200: 1, 409: 7}
    assert TestGatewayCharge.objects.get().amount_refunded == Payment.objects.get().amount
    assert sum(Stock.objects.filter(variant_id=variant_id).values_list("quantity", flat=True)) == 10
