"""Property: whatever happens — orders through the real checkout, partial and full refunds,
cancellations, fee changes, commissions, holds, settlement and payouts, in any order — every
ledger transaction is balanced, all entries sum to zero, no balance goes below zero except the
two that may (seller_available, creator_payable), and clearing equals what was captured less
what was refunded and paid out."""

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipcart.affiliate import services as affiliate_services
from clipcart.ledger import selectors, services
from clipcart.ledger.models import Account
from clipcart.ledger.services import balances
from clipcart.orders.models import LineRefund, Order

from ..affiliate.helpers import anchor_click, open_plan_with
from ..factories import make_product
from .helpers import deliver, paid_order

pytestmark = pytest.mark.django_db
MAY_GO_NEGATIVE = {Account.Kind.SELLER_AVAILABLE, Account.Kind.CREATOR_PAYABLE}

index = st.integers(min_value=0, max_value=20)
step = st.one_of(
    st.tuples(st.just("buy"), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("refund"), index, st.sampled_from(["0.01", "0.33", "0.5", "1"])),
    st.tuples(st.just("cancel"), index),
    st.tuples(st.just("deliver"), index),
    st.tuples(st.just("hold"), index),
    st.tuples(st.just("release_holds")),
    st.tuples(st.just("fee"), st.integers(0, 50)),
    st.tuples(st.just("settle")),
    st.tuples(st.just("release_payable")),
    st.tuples(st.just("payouts")),
)


class World:
    def __init__(self, *, seller, shop, creator, shopper):
        self.shopper = shopper
        promoted = make_product(shop=shop, title="Promoted", price="19.99", stock=10_000)
        plain = make_product(shop=shop, title="Plain", price="7.35", stock=10_000)
        plan = open_plan_with(seller, shop, [promoted], rate="12.5")
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
        anchor_click(shopper, creator, promoted)
        self.products = [promoted, plain]
        self.orders: list[Order] = []

    def pick(self, n: int) -> Order | None:
        if not self.orders:
            return None
        return Order.objects.get(pk=self.orders[n % len(self.orders)].pk)

    def run(self, action: tuple) -> None:
        getattr(self, action[0])(*action[1:])

    def buy(self, product: int, quantity: int) -> None:
        order = paid_order(self.shopper, self.products[product], quantity=quantity)
        services.post_order_paid(order_id=order.pk)
        self.orders.append(order)

    def refund(self, n: int, share: str) -> None:
        from clipcart.core.errors import Conflict

        order = self.pick(n)
        if order is None:
            return
        line = order.lines.get()
        left = line.net_total - sum(r.amount for r in LineRefund.objects.filter(line=line))
        if left <= 0:
            return
        amount = max((left * Decimal(share)).quantize(Decimal("0.01")), Decimal("0.01"))
        try:
            refund = services_refund(order, line, min(amount, left))
        except Conflict:
            return  # cancelled or fully refunded already: the orders app refuses
        services.post_line_refund(line_refund_id=refund.pk)

    def cancel(self, n: int) -> None:
        from clipcart.orders import services as order_services

        order = self.pick(n)
        # Only untouched paid orders: cancel_order asks the gateway for the whole total.
        if (
            order is None
            or order.status != "paid"
            or LineRefund.objects.filter(line__order=order).exists()
        ):
            return
        order_services.cancel_order(order_id=order.pk, actor=None, reason="Changed mind")
        services.post_order_cancelled(order_id=order.pk)

    def deliver(self, n: int) -> None:
        order = self.pick(n)
        if order is not None and order.status == "paid":
            deliver(order, days_ago=40)

    def hold(self, n: int) -> None:
        order = self.pick(n)
        if order is not None and order.status != "cancelled":
            # Examples share one database, so keys are unique across them.
            key = f"dp-{uuid.uuid4().hex}"
            services.hold_order(order_id=order.pk, reason="Dispute", key=key)

    def release_holds(self) -> None:
        from clipcart.ledger.models import Hold

        for hold in Hold.objects.filter(released_at__isnull=True):
            services.release_hold(key=hold.key)

    def fee(self, percent: int) -> None:
        services.set_fee_rule(category_id=None, percent=str(percent))

    def settle(self) -> None:
        services.settle()

    def release_payable(self) -> None:
        affiliate_services.release_payable()

    def payouts(self) -> None:
        services.run_payouts()


def services_refund(order, line, amount):
    from clipcart.orders import services as order_services

    return order_services.refund_line(
        shop_id=order.shop_id,
        order_id=order.pk,
        line_id=line.pk,
        amount=str(amount),
        actor=None,
        reason="Property",
        key=f"p-{line.pk}-{LineRefund.objects.filter(line=line).count()}",
    )


def assert_ledger_holds() -> None:
    services.post_missing()
    report = selectors.reconciliation()
    assert report.unbalanced == []
    for check in report.currencies:
        assert check.entries_sum == 0
        assert check.clearing == check.expected_clearing, report.verdict
    for account in Account.objects.exclude(kind__in=MAY_GO_NEGATIVE):
        assert balances.owed(account) >= 0, account.code


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=9))
def test_any_sequence_of_money_events_keeps_the_ledger_balanced(
    seller, shop, creator, shopper, steps
):
    world = World(seller=seller, shop=shop, creator=creator, shopper=shopper)
    world.buy(0, 2)
    for action in steps:
        world.run(action)
        assert_ledger_holds()
