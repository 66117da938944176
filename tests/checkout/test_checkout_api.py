from decimal import Decimal

import pytest

from clipcart.inventory.selectors import available_quantity
from clipcart.orders.models import Order
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


def cart_with(api, product, quantity=1):
    api.post("/cart/items", {"variant_id": first_variant(product).pk, "quantity": quantity})


def test_a_declined_card_is_402_and_leaves_no_order_and_no_held_stock(shopper_api, product):
    from clipcart.inventory.models import Reservation

    cart_with(shopper_api, product, 3)
    response = shopper_api.post("/checkout", checkout_body("tok_chargeDeclined"))
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert not Order.objects.exists()
    assert available_quantity(first_variant(product).pk) == 10
    assert set(Reservation.objects.values_list("status", flat=True)) == {"released"}
    assert Payment.objects.get().status == "declined"
    assert len(shopper_api.get("/cart").json()["lines"]) == 1  # the cart survives a decline


def test_an_unknown_payment_token_is_422(shopper_api, product):
    cart_with(shopper_api, product)
    response = shopper_api.post("/checkout", checkout_body("4242424242424242"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "payment.token"
    assert available_quantity(first_variant(product).pk) == 10


def test_an_empty_cart_cannot_be_checked_out(shopper_api):
    response = shopper_api.post("/checkout", checkout_body())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cart_empty"


def test_prices_and_totals_sent_by_the_client_are_ignored(shopper_api, product):
    cart_with(shopper_api, product, 2)
    body = {
        **checkout_body(),
        "total": "0.01",
        "price": "0.01",
        "orders": [{"shop_id": product.shop_id, "total": "0.01"}],
    }
    response = shopper_api.post("/checkout", body)
    assert response.status_code == 201
    assert response.json()["orders"][0]["total"] == "44.99"


def test_replaying_an_idempotency_key_returns_the_first_answer_and_charges_once(
    shopper_api, product
):
    cart_with(shopper_api, product)
    first = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "abc"})
    cart_with(shopper_api, product)  # even with a new cart, the key's answer is fixed
    again = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)


def test_the_same_idempotency_key_with_another_body_is_409(shopper_api, product):
    cart_with(shopper_api, product)
    shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "abc"})
    other = checkout_body()
    other["shipping_address"] = {**other["shipping_address"], "city": "Shelbyville"}
    response = shopper_api.post("/checkout", other, headers={"Idempotency-Key": "abc"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_keys_of_different_users_do_not_collide(shopper_api, product, stranger):
    from ..conftest import ApiClient

    stranger_api = ApiClient(stranger)
    cart_with(shopper_api, product)
    cart_with(stranger_api, product)
    a = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "same"})
    b = stranger_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "same"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert Order.objects.count() == 2


def test_stock_that_ran_out_after_carting_is_a_409_naming_the_item(
    shopper_api, seller_api, product
):
    cart_with(shopper_api, product, 5)
    variant = first_variant(product)
    seller_api.patch(f"/shops/{product.shop_id}/variants/{variant.pk}", {"stock": 2})
    response = shopper_api.post("/checkout", checkout_body())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    assert "Glow serum" in response.json()["error"]["message"]
    assert available_quantity(variant.pk) == 2
    assert not Order.objects.exists()


def test_all_or_nothing_when_one_shops_item_is_out_of_stock(shopper_api, product, other_product):
    from clipcart.inventory import services as inventory_services

    cart_with(shopper_api, product, 2)
    cart_with(shopper_api, other_product, 1)
    inventory_services.set_stock(variant_id=first_variant(other_product).pk, quantity=0)
    response = shopper_api.post("/checkout", checkout_body())
    assert response.status_code == 409
    assert available_quantity(first_variant(product).pk) == 10
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({"line1": ""}, "shipping_address.line1"),
        ({"country": "USA"}, "shipping_address.country"),
        ({"postal_code": "1" * 21}, "shipping_address.postal_code"),
        ({"name": 5}, "shipping_address.name"),
    ],
)
def test_a_bad_address_is_refused_before_anything_is_reserved(shopper_api, product, address, field):
    cart_with(shopper_api, product)
    body = checkout_body()
    body["shipping_address"] = {**body["shipping_address"], **address}
    response = shopper_api.post("/checkout", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert available_quantity(first_variant(product).pk) == 10


def test_a_failed_confirmation_voids_the_payment_and_releases_the_stock(
    shopper_api, product, monkeypatch
):
    from clipcart.inventory import services as inventory_services

    monkeypatch.setattr(inventory_services, "allocate", lambda *, hold: False)
    cart_with(shopper_api, product, 4)
    response = shopper_api.post("/checkout", checkout_body())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reservation_expired"
    assert Payment.objects.get().status == "voided"
    assert available_quantity(first_variant(product).pk) == 10
    assert not Order.objects.exists()


def test_orders_record_frozen_lines_and_their_history(shopper_api, seller_api, product):
    cart_with(shopper_api, product, 2)
    order_id = shopper_api.post("/checkout", checkout_body()).json()["orders"][0]["id"]
    seller_api.patch(
        f"/shops/{product.shop_id}/variants/{first_variant(product).pk}", {"price": "99.00"}
    )
    order = shopper_api.get(f"/orders/{order_id}").json()
    assert [
        (line["unit_price"], line["quantity"], line["line_total"]) for line in order["lines"]
    ] == [("20.00", 2, "40.00")]
    assert [(e["from_status"], e["to_status"]) for e in order["events"]] == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
    ]


def test_a_replay_after_success_returns_the_first_answer_even_with_an_empty_cart(
    shopper_api, product
):
    cart_with(shopper_api, product)
    first = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "once"})
    assert shopper_api.get("/cart").json()["lines"] == []
    again = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "once"})
    assert (again.status_code, again.json()) == (201, first.json())


def test_a_sold_out_refusal_saves_no_answer_so_the_key_works_after_a_restock(
    shopper_api, seller_api, product
):
    from clipcart.checkout.models import IdempotencyKey

    variant = first_variant(product)
    cart_with(shopper_api, product, 3)
    seller_api.patch(f"/shops/{product.shop_id}/variants/{variant.pk}", {"stock": 0})
    refused = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "k"})
    assert refused.status_code == 409
    assert not IdempotencyKey.objects.exists()

    seller_api.patch(f"/shops/{product.shop_id}/variants/{variant.pk}", {"stock": 5})
    retried = shopper_api.post("/checkout", checkout_body(), headers={"Idempotency-Key": "k"})
    assert retried.status_code == 201
    assert Order.objects.count() == 1


def test_an_operational_failure_after_authorizing_releases_stock_and_voids_the_charge(
    shopper, product, monkeypatch
):
    from clipcart.checkout import services as checkout_services
    from clipcart.payments import services as payment_services

    real_authorize = payment_services.authorize_payment

    def authorize_then_lose_the_connection(**kwargs):
        real_authorize(**kwargs)
        raise ConnectionError("the database went away after the provider said yes")

    monkeypatch.setattr(payment_services, "authorize_payment", authorize_then_lose_the_connection)
    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=first_variant(product).pk, quantity=2)
    with pytest.raises(ConnectionError):
        checkout_services.checkout(
            buyer=shopper,
            cart=cart,
            shipping_address=checkout_body()["shipping_address"],
            payment={"method": "test", "token": "tok_visa"},
            idempotency_key="flaky",
            request_body={},
        )
    assert available_quantity(first_variant(product).pk) == 10
    assert Payment.objects.get().status == "voided"
    from clipcart.checkout.models import IdempotencyKey

    assert not IdempotencyKey.objects.exists()  # the buyer may retry with the same key


def test_the_gateway_is_never_called_inside_a_database_transaction(
    shopper_api, product, monkeypatch
):
    """No row lock can be held across a payment call, because no transaction is open."""
    from django.db import connection

    from clipcart.payments.gateways import TestGateway

    seen = []

    def inside_a_transaction_of_ours() -> bool:
        # pytest-django wraps the test in one transaction; a savepoint on top of it would be
        # a transaction opened by the code under test.
        return bool(connection.savepoint_ids)

    for operation in ("authorize", "capture", "void", "refund"):
        real = getattr(TestGateway, operation)

        def spy(self, *args, _real=real, _operation=operation, **kwargs):
            seen.append((_operation, inside_a_transaction_of_ours()))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(TestGateway, operation, spy)

    cart_with(shopper_api, product)
    order_id = shopper_api.post("/checkout", checkout_body()).json()["orders"][0]["id"]
    shopper_api.post(f"/orders/{order_id}/cancel", {})
    assert [op for op, _ in seen] == ["authorize", "capture", "refund"]
    assert not any(inside for _, inside in seen)
