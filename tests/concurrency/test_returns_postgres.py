"""Refunds racing on PostgreSQL: two refunds of one return, and a return's refund against a
direct refund of the same order line. The return's row lock and the order's row lock let one
through; the other gets a 409 and nothing is paid twice."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from clipcart.core.errors import Conflict
from clipcart.orders import services as order_services
from clipcart.orders.models import LineRefund
from clipcart.payments.models import Refund
from clipcart.returns import services
from clipcart.returns.models import Return

from ..returns.conftest import ask, bought, deliver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _received_return(seller, shopper, product) -> Return:
    order = deliver(bought(shopper, product, quantity=2).pk)
    ret = ask(order, quantity=2)
    services.approve_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk)
    services.ship_back(buyer=shopper, return_id=ret.pk, carrier="USPS", tracking_number="94001")
    services.receive_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, restock_line_ids=[])
    return ret


def _outcome(action) -> str:
    try:
        action()
        return "refunded"
    except Conflict as error:
        return error.code
    finally:
        connection.close()


def test_two_simultaneous_refunds_of_one_return_pay_once(seller, shopper, product):
    ret = _received_return(seller, shopper, product)

    def refund(key: str) -> str:
        return _outcome(
            lambda: services.refund_return(
                user=seller, shop_id=ret.shop_id, return_id=ret.pk, key=key
            )
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(refund, ["first", "second"]))

    assert outcomes == ["already_refunded", "refunded"]
    assert LineRefund.objects.count() == 1
    assert Refund.objects.count() == 1
    ret.refresh_from_db()
    assert ret.status == "refunded"


def test_a_return_refund_and_a_direct_refund_of_the_same_line_cannot_both_pay(
    seller, shopper, product
):
    ret = _received_return(seller, shopper, product)
    line = ret.lines.get().order_line

    def by_return() -> str:
        return _outcome(
            lambda: services.refund_return(
                user=seller, shop_id=ret.shop_id, return_id=ret.pk, key="ret"
            )
        )

    def direct() -> str:
        return _outcome(
            lambda: order_services.refund_line(
                shop_id=ret.shop_id,
                order_id=ret.order_id,
                line_id=line.pk,
                amount="40.00",
                actor=seller,
                reason="Goodwill",
                key="direct",
            )
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(by_return), pool.submit(direct)]
        outcomes = sorted(f.result() for f in futures)

    assert outcomes[1] == "refunded"
    assert outcomes[0] in ("already_refunded", "refund_exceeds_paid")
    assert LineRefund.objects.filter(line=line).count() == 1
    assert sum(r.amount for r in Refund.objects.all()) == line.net_total
