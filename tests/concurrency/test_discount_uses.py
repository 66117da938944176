"""A code's `max_uses` under concurrent checkouts. Real threads, real PostgreSQL row locks."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from clipcart.accounts import services as account_services
from clipcart.accounts.models import User
from clipcart.checkout import services as checkout_services
from clipcart.checkout.models import DiscountCode, DiscountRedemption
from clipcart.inventory.models import Reservation, Stock
from clipcart.orders.models import Order
from clipcart.payments import services as payment_services
from clipcart.payments.models import Payment, TestGatewayCharge

from ..conftest import checkout_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def buyers_with_the_code(count: int, variant_id: int, code: str) -> list[str]:
    """`count` shoppers, each with one unit of the variant and `code` in their cart."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"racer{n}", email=f"racer{n}@example.com", password=password)
        for n in range(count)
    )
    for user in users:
        cart = checkout_services.get_or_create_cart(user=user)
        checkout_services.add_item(cart=cart, variant_id=variant_id, quantity=1)
        checkout_services.apply_discount_code(cart=cart, code=code)
    return [account_services.issue_api_token(user=user) for user in users]


def checkout_as(token: str):
    try:
        response = Client().post(
            "/api/v1/checkout",
            checkout_body(),
            headers={"Authorization": f"Bearer {token}"},
            content_type="application/json",
        )
        return response.status_code, response.json()
    finally:
        connection.close()


@pytest.fixture
def both_authorized_before_either_confirms(monkeypatch):
    """Holds each checkout after its payment is authorized until the other's is too, so both
    quoted the code as having one use left and they meet at the confirm step's row lock."""
    barrier = threading.Barrier(2, timeout=20)
    authorize = payment_services.authorize_payment

    def authorize_then_wait(**kwargs):
        payment = authorize(**kwargs)
        barrier.wait()
        return payment

    monkeypatch.setattr(payment_services, "authorize_payment", authorize_then_wait)


def test_two_buyers_racing_for_the_last_use_of_a_code_one_gets_it_the_other_pays_nothing(
    seller, shop, product, both_authorized_before_either_confirms
):
    variant_id = product.variants.get().pk
    code = checkout_services.create_discount_code(
        user=seller, shop_id=shop.pk, code="LASTONE", kind="percent", value="50", max_uses=1
    )
    tokens = buyers_with_the_code(2, variant_id, "LASTONE")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(checkout_as, tokens))

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 1}, results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["error"]["code"] == "discount_used_up"
    order = Order.objects.get()
    assert (order.discount, order.total) == (Decimal("10.00"), Decimal("14.99"))
    assert DiscountRedemption.objects.get().order == order
    assert DiscountCode.objects.get(pk=code.pk).times_used == 1
    # The loser's authorization is voided and its unit is back in stock.
    assert Counter(Payment.objects.values_list("status", flat=True)) == {
        "captured": 1,
        "voided": 1,
    }
    assert sum(TestGatewayCharge.objects.values_list("amount_captured", flat=True)) == Decimal(
        "14.99"
    )
    assert Counter(Reservation.objects.values_list("status", flat=True)) == {
        "allocated": 1,
        "released": 1,
    }
    assert sum(Stock.objects.filter(variant_id=variant_id).values_list("quantity", flat=True)) == 9
