"""The parcel back, receipt with restock (once), and the refund through the order's refunds and
the payment gateway: capped at what was paid, idempotent, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clipcart.inventory import selectors as inventory_selectors
from clipcart.orders import services as order_services
from clipcart.orders.models import LineRefund, OrderStatus
from clipcart.payments.models import Refund
from clipcart.returns import selectors, services
from clipcart.returns.models import ReturnStatus

from .conftest import ask

pytestmark = pytest.mark.django_db
S = ReturnStatus


def path(ret, action: str) -> str:
    return f"/shops/{ret.shop_id}/returns/{ret.pk}/{action}"


@pytest.fixture
def approved(delivered, seller):
    ret = ask(delivered, quantity=1)
    services.approve_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk)
    return ret


@pytest.fixture
def received(approved, seller, shopper):
    services.ship_back(
        buyer=shopper, return_id=approved.pk, carrier="USPS", tracking_number="9400 1118 9922"
    )
    services.receive_return(user=seller, shop_id=approved.shop_id, return_id=approved.pk)
    return approved


def stock(order) -> int:
    return inventory_selectors.available_quantity(order.lines.get().variant_id)


# --- Shipment back ------------------------------------------------------------------------------


def test_the_buyer_adds_the_tracking_of_the_parcel_back(shopper_api, approved):
    answer = shopper_api.post(
        f"/returns/{approved.pk}/shipment", {"carrier": "USPS", "tracking_number": "9400 1118 99"}
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "USPS",
        "9400111899",
    )


@pytest.mark.parametrize(
    "carrier, tracking, field",
    [
        ("U", "9400111899", "carrier"),
        ("USPS", "x", "tracking_number"),
        ("USPS", "ab#cd", "tracking_number"),
    ],
)
def test_a_bad_carrier_or_tracking_number_is_refused(
    shopper_api, approved, carrier, tracking, field
):
    answer = shopper_api.post(
        f"/returns/{approved.pk}/shipment", {"carrier": carrier, "tracking_number": tracking}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field


def test_no_tracking_before_the_shop_approves(shopper_api, delivered):
    ret = ask(delivered)
    answer = shopper_api.post(
        f"/returns/{ret.pk}/shipment", {"carrier": "USPS", "tracking_number": "9400111899"}
    )
    assert answer.status_code == 409


def test_another_buyer_cannot_ship_a_return(approved, stranger):
    from ..conftest import ApiClient

    answer = ApiClient(stranger).post(
        f"/returns/{approved.pk}/shipment", {"carrier": "USPS", "tracking_number": "9400111899"}
    )
    assert answer.status_code == 404


# --- Receipt and restock ------------------------------------------------------------------------


def test_a_resellable_item_goes_back_into_stock_once(seller_api, approved, delivered):
    before = stock(delivered)
    line_id = delivered.lines.get().pk

    answer = seller_api.post(path(approved, "receive"), {"restock_line_ids": [line_id]})
    again = seller_api.post(path(approved, "receive"), {"restock_line_ids": [line_id]})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["lines"][0]["restocked"] is True
    assert again.status_code == 409
    assert stock(delivered) == before + 1
    kinds = [e["kind"] for e in answer.json()["events"]]
    assert kinds[-2:] == ["received", "restocked"]


def test_an_item_not_resellable_stays_out_of_stock(seller_api, approved, delivered):
    before = stock(delivered)
    answer = seller_api.post(path(approved, "receive"), {})
    assert answer.json()["status"] == "received"
    assert answer.json()["lines"][0]["restocked"] is False
    assert stock(delivered) == before


def test_restock_of_a_line_not_in_the_return_is_refused(seller_api, approved, delivered):
    answer = seller_api.post(path(approved, "receive"), {"restock_line_ids": [999999]})
    assert answer.status_code == 422
    approved.refresh_from_db()
    assert approved.status == S.APPROVED


# --- Refunds ------------------------------------------------------------------------------------


def test_the_default_refund_is_the_net_paid_for_the_returned_units(
    seller_api, received, delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = seller_api.post(path(received, "refund"), {}, headers={"Idempotency-Key": "r1"})

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["refund_total"], body["lines"][0]["refunded"]) == (
        "refunded",
        "20.00",
        "20.00",
    )
    refund = LineRefund.objects.get()
    assert refund.key == f"{delivered.shop_id}:return-{received.pk}-line-{delivered.lines.get().pk}"
    # Through the payment gateway: the outbox row was sent after commit.
    gateway = Refund.objects.get(payment_id=delivered.payment_id)
    assert (gateway.amount, gateway.status) == (Decimal("20.00"), Refund.Status.SUCCEEDED)
    assert selectors.orders_with_open_returns(order_ids=[delivered.pk]) == set()


def test_a_partial_refund_per_line(seller_api, received, delivered):
    line_id = delivered.lines.get().pk
    answer = seller_api.post(
        path(received, "refund"),
        {"amounts": {str(line_id): "12.50"}, "reason": "Box missing", "key": "partial"},
    )
    assert answer.json()["refund_total"] == "12.50"
    assert LineRefund.objects.get().reason == "Box missing"


def test_a_refund_larger_than_what_was_paid_is_409_and_writes_nothing(
    seller_api, received, delivered
):
    line_id = delivered.lines.get().pk

    answer = seller_api.post(
        path(received, "refund"), {"amounts": {str(line_id): "40.01"}, "key": "too-much"}
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "refund_exceeds_paid"
    assert not LineRefund.objects.exists()
    assert not Refund.objects.exists()
    received.refresh_from_db()
    assert (received.status, received.refund_total) == (S.RECEIVED, Decimal("0.00"))


def test_the_same_key_again_is_one_refund(seller_api, received):
    first = seller_api.post(path(received, "refund"), {}, headers={"Idempotency-Key": "same"})
    second = seller_api.post(path(received, "refund"), {}, headers={"Idempotency-Key": "same"})

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert LineRefund.objects.count() == 1
    assert Refund.objects.count() == 1


def test_another_key_after_the_refund_is_a_conflict(seller_api, received):
    seller_api.post(path(received, "refund"), {"key": "one"})
    again = seller_api.post(path(received, "refund"), {"key": "two"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_refunded"
    assert LineRefund.objects.count() == 1


def test_the_same_key_with_other_amounts_is_a_conflict(seller_api, received, delivered):
    line_id = str(delivered.lines.get().pk)
    seller_api.post(path(received, "refund"), {"amounts": {line_id: "5.00"}, "key": "k"})
    again = seller_api.post(path(received, "refund"), {"amounts": {line_id: "6.00"}, "key": "k"})
    assert again.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amounts": {"1": "-1"}, "key": "k"}, "amounts"),
        ({"amounts": {"1": "abc"}, "key": "k"}, "amounts"),
        ({"amounts": {"1": "1.001"}, "key": "k"}, "amounts"),
        ({"amounts": {"x": "1.00"}, "key": "k"}, "amounts"),
        ({"amounts": {"999999": "1.00"}, "key": "k"}, "amounts"),
        ({}, "key"),
        ({"key": "has space"}, "key"),
    ],
)
def test_bad_refund_input_is_refused(seller_api, received, body, field):
    answer = seller_api.post(path(received, "refund"), body)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert not LineRefund.objects.exists()


def test_a_zero_refund_is_refused(seller_api, received, delivered):
    line_id = str(delivered.lines.get().pk)
    answer = seller_api.post(path(received, "refund"), {"amounts": {line_id: "0"}, "key": "z"})
    assert answer.status_code == 422


def test_no_refund_before_the_items_are_back(seller_api, approved):
    answer = seller_api.post(path(approved, "refund"), {"key": "early"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "return_not_received"


def test_a_refund_without_return_is_paid_at_approval(seller_api, delivered, shopper_api):
    ret = ask(delivered, quantity=2)
    seller_api.post(path(ret, "approve"), {"refund_without_return": True})

    shipping = shopper_api.post(
        f"/returns/{ret.pk}/shipment", {"carrier": "USPS", "tracking_number": "9400111899"}
    )
    answer = seller_api.post(path(ret, "refund"), {"key": "keep"})

    assert shipping.status_code == 409
    assert answer.json()["refund_total"] == "40.00"
    delivered.refresh_from_db()
    assert delivered.status == OrderStatus.REFUNDED  # every line refunded in full


def test_returns_of_single_units_refund_a_line_exactly_in_full(seller, shopper, shop):
    from ..factories import make_product
    from .conftest import bought, deliver

    product = make_product(shop=shop, title="Pins", price="3.35", stock=9)
    order = deliver(bought(shopper, product, quantity=3).pk)
    line = order.lines.get()
    amounts = []
    for n in range(3):
        ret = ask(order, quantity=1)
        services.approve_return(
            user=seller, shop_id=shop.pk, return_id=ret.pk, refund_without_return=True
        )
        ret = services.refund_return(user=seller, shop_id=shop.pk, return_id=ret.pk, key=f"k{n}")
        amounts.append(ret.refund_total)
    assert amounts == [Decimal("3.35")] * 3
    assert sum(r.amount for r in LineRefund.objects.filter(line=line)) == line.net_total


def test_the_ledger_sees_orders_with_open_returns(delivered, seller, shopper, product):
    from .conftest import bought, deliver

    quiet = deliver(bought(shopper, product, quantity=1).pk)
    ret = ask(delivered)
    ids = [delivered.pk, quiet.pk]

    assert selectors.orders_with_open_returns(order_ids=ids) == {delivered.pk}
    services.reject_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="Worn")
    assert selectors.orders_with_open_returns(order_ids=ids) == set()
    assert selectors.orders_with_open_returns(order_ids=[]) == set()


def test_open_returns_are_one_query(delivered, django_assert_num_queries):
    ask(delivered)
    with django_assert_num_queries(1):
        selectors.orders_with_open_returns(order_ids=[delivered.pk, 123])


def test_a_direct_refund_of_the_line_leaves_the_return_only_what_is_left(
    seller, received, delivered
):
    order_services.refund_line(
        shop_id=delivered.shop_id,
        order_id=delivered.pk,
        line_id=delivered.lines.get().pk,
        amount="30.00",
        actor=seller,
        reason="Goodwill",
        key="goodwill",
    )
    ret = services.refund_return(
        user=seller, shop_id=received.shop_id, return_id=received.pk, key="rest"
    )
    assert ret.refund_total == Decimal("10.00")


def test_pro_rata_rounding_never_adds_up_past_what_was_paid(seller, shopper, shop):
    """Three units, 29.99 paid after a cent of discount: 10.00 + 10.00 + the 9.99 left."""
    from clipcart.orders.models import OrderLine

    from ..factories import make_product
    from .conftest import bought, deliver

    product = make_product(shop=shop, title="Pins", price="10.00", stock=9)
    order = deliver(bought(shopper, product, quantity=3).pk)
    OrderLine.objects.filter(order=order).update(discount=Decimal("0.01"))
    amounts = []
    for n in range(3):
        ret = ask(order, quantity=1)
        services.approve_return(
            user=seller, shop_id=shop.pk, return_id=ret.pk, refund_without_return=True
        )
        ret = services.refund_return(user=seller, shop_id=shop.pk, return_id=ret.pk, key=f"k{n}")
        amounts.append(ret.refund_total)
    assert amounts == [Decimal("10.00"), Decimal("10.00"), Decimal("9.99")]
