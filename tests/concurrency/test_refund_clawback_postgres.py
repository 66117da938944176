"""Two refunds of one line at the same moment: the order's row lock lets one through, the other
finds the order already refunded; the commission is clawed back once."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, CommissionAdjustment
from clipcart.core.errors import Conflict
from clipcart.orders import services as order_services
from clipcart.orders.models import LineRefund
from clipcart.payments.models import Refund

from ..affiliate.helpers import anchor_click, buy_product, open_plan_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_full_refunds_of_a_line_claw_back_once(
    seller, shop, product, creator, shopper
):
    plan = open_plan_with(seller, shop, [product], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product)
    order = buy_product(shopper, product, quantity=2)
    line = order.lines.get()

    def refund(key: str) -> str:
        try:
            order_services.refund_line(
                shop_id=shop.pk,
                order_id=order.pk,
                line_id=line.pk,
                amount="40.00",
                actor=seller,
                reason="Damaged",
                key=key,
            )
            return "refunded"
        except Conflict as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(refund, ["first", "second"]))

    assert outcomes == ["already_refunded", "refunded"]
    assert LineRefund.objects.filter(line=line).count() == 1
    assert Refund.objects.filter(payment_id=order.payment_id).count() == 1
    commission = Commission.objects.get(line=line)
    assert commission.clawed_back == commission.amount == Decimal("4.00")
    assert CommissionAdjustment.objects.filter(commission=commission).count() == 1
