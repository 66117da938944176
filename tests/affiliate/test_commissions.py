"""Commission = net paid for the line × rate, rounded once to the cent (half up); pending until
the return window closes, then payable; a refund claws back in proportion; a cancelled order
earns nothing and says why."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, CommissionAdjustment
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.orders import services as order_services

from ..factories import make_product
from .helpers import anchor_click, buy_product, commission_of, open_plan_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def odd_product(shop):
    return make_product(shop=shop, title="Lip tint", price="19.99", stock=20)


@pytest.fixture
def sold(seller, shop, odd_product, creator, shopper):
    """A creator at 12.5% and an order of 3 × 19.99 = 59.97 they sold."""
    plan = open_plan_with(seller, shop, [odd_product], rate="12.5")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, odd_product)
    return buy_product(shopper, odd_product, quantity=3)


def refund(seller, order, amount: str, key: str):
    line = order.lines.get()
    return order_services.refund_line(
        shop_id=order.shop_id,
        order_id=order.pk,
        line_id=line.pk,
        amount=amount,
        actor=seller,
        reason="Customer asked",
        key=key,
    )


def test_commission_is_rounded_once_half_up(sold):
    commission = commission_of(sold)
    assert commission.base == Decimal("59.97")
    assert commission.amount == Decimal("7.50")  # 7.49625 → 7.50


def test_it_is_pending_until_the_return_window_closes_after_delivery(sold, shopper, seller):
    order_services.ship_order(
        shop_id=sold.shop_id,
        order_id=sold.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )
    order_services.confirm_delivery(order_id=sold.pk, buyer=shopper)
    assert affiliate_services.release_payable() == 0
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert affiliate_services.release_payable() == 0
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        assert affiliate_services.release_payable() == 1
    assert commission_of(sold).status == "payable"


def test_an_order_never_delivered_keeps_its_commission_pending(sold):
    with time_machine.travel(timezone.now() + timedelta(days=90), tick=False):
        assert affiliate_services.release_payable() == 0


def test_paying_out_moves_only_payable_commissions(sold):
    commission = commission_of(sold)
    assert affiliate_services.pay_out(commission_ids=[commission.pk], reference="run 1") == 0
    Commission.objects.filter(pk=commission.pk).update(status="payable")
    assert affiliate_services.pay_out(commission_ids=[commission.pk], reference="run 1") == 1
    assert commission_of(sold).status == "paid"


def test_a_cancelled_order_earns_nothing_and_says_so(sold, shopper):
    order_services.cancel_order(order_id=sold.pk, actor=shopper, reason="Changed my mind")
    commission = commission_of(sold)
    assert (commission.status, commission.status_reason) == ("cancelled", "Order cancelled")
    assert commission.net_amount == Decimal("0.00")
    adjustment = commission.adjustments.get()
    assert (adjustment.kind, adjustment.amount) == ("cancellation", Decimal("7.50"))


def test_a_partial_refund_claws_back_in_proportion(sold, seller):
    refund(seller, sold, "29.99", key="half")
    commission = commission_of(sold)
    # 7.50 × 29.99 / 59.97 = 3.7506… → 3.75
    assert commission.clawed_back == Decimal("3.75")
    assert commission.net_amount == Decimal("3.75")
    assert commission.status == "pending"


def test_refunds_adding_up_to_the_line_take_back_exactly_everything(sold, seller):
    for n, amount in enumerate(["10.00", "20.00", "29.97"]):
        refund(seller, sold, amount, key=f"r{n}")
    commission = commission_of(sold)
    assert commission.clawed_back == commission.amount
    assert (commission.status, commission.status_reason) == ("cancelled", "Refunded in full")
    assert sum(a.amount for a in commission.adjustments.all()) == commission.amount
    sold.refresh_from_db()
    assert sold.status == "refunded"


def test_a_repeated_refund_request_is_one_refund_and_one_clawback(sold, seller):
    first = refund(seller, sold, "20.00", key="same")
    again = refund(seller, sold, "20.00", key="same")
    assert first.pk == again.pk
    assert CommissionAdjustment.objects.filter(kind="clawback").count() == 1


def test_the_same_key_for_another_refund_is_a_conflict(sold, seller):
    refund(seller, sold, "20.00", key="same")
    with pytest.raises(Conflict) as error:
        refund(seller, sold, "25.00", key="same")
    assert error.value.code == "idempotency_key_reused"


def test_a_refund_larger_than_what_was_paid_is_refused(sold, seller):
    refund(seller, sold, "50.00", key="a")
    with pytest.raises(Conflict) as error:
        refund(seller, sold, "10.00", key="b")
    assert error.value.code == "refund_exceeds_paid"
    assert "9.97" in error.value.message


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", 3.5])
def test_malformed_refund_amounts_are_refused(sold, seller, amount):
    with pytest.raises(InvalidInput):
        refund(seller, sold, amount, key="x")


def test_another_shop_cannot_refund_the_order(sold, other_seller, other_shop):
    line = sold.lines.get()
    with pytest.raises(NotFound):
        order_services.refund_line(
            shop_id=other_shop.pk,
            order_id=sold.pk,
            line_id=line.pk,
            amount="5.00",
            actor=other_seller,
            reason="",
            key="k",
        )


def test_a_line_no_creator_sold_earns_nothing(shop, shopper, product):
    order = buy_product(shopper, product)
    assert not Commission.objects.filter(order=order).exists()
