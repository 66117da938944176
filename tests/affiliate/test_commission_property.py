"""Property: for random orders, discounts, rate changes and partial refunds, the commission is
always the rule to the cent, and clawbacks always add up to the refunded share."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, PlanProduct
from clipcart.orders import services as order_services

from ..factories import UserFactory, make_product
from .helpers import anchor_click, open_plan_with

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")

cents = st.integers(min_value=1, max_value=99_999_99).map(lambda c: Decimal(c) / 100)
rates = st.decimals(min_value=1, max_value=80, places=2)
line = st.tuples(cents, st.integers(min_value=1, max_value=5), st.floats(0, 1))
refund_shares = st.lists(st.floats(0.01, 1), max_size=4)


def rule(base: Decimal, rate: Decimal) -> Decimal:
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_in_force_for_a_member(initial: Decimal, changes: list[Decimal]) -> Decimal:
    """The rule in its own words: raises reach a promoting creator at once, cuts wait 30 days
    (all changes here are minutes old), and a raise replaces any cut still waiting."""
    current = initial
    for rate in changes:
        if rate >= current:
            current = rate
    return current


@pytest.fixture
def world(seller, shop):
    products = [make_product(shop=shop, title=f"Item {n}", price="1.00") for n in range(3)]
    return seller, shop, products


def place(buyer, shop, lines, products):
    plans = [
        order_services.LinePlan(
            variant_id=product.variants.get().pk,
            product_id=product.pk,
            title=product.title,
            variant_name="Default",
            sku="",
            unit_price=price,
            quantity=quantity,
            discount=(price * quantity * Decimal(str(share))).quantize(CENT, rounding="ROUND_DOWN"),
        )
        for (price, quantity, share), product in zip(lines, products, strict=False)
    ]
    plan = order_services.OrderPlan(
        shop_id=shop.pk,
        currency="USD",
        subtotal=sum((p.unit_price * p.quantity for p in plans), Decimal("0")),
        shipping_fee=Decimal("0.00"),
        ships_by=timezone.now().date(),
        lines=plans,
    )
    [order] = order_services.create_orders(
        buyer=buyer,
        plans=[plan],
        checkout_ref=uuid.uuid4(),
        payment_id=None,  # type: ignore[arg-type]
        shipping_address={},
    )
    order_services.mark_paid(orders=[order])
    return order


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(line, min_size=1, max_size=3),
    initial=rates,
    changes=st.lists(rates, max_size=3),
    joined_before_changes=st.booleans(),
    shares=refund_shares,
)
def test_commission_is_the_rule_to_the_cent(
    world, lines, initial, changes, joined_before_changes, shares
):
    seller, shop, products = world
    cache.clear()  # ids repeat once an example rolls back: start each with fresh click budgets
    with transaction.atomic():
        creator, buyer = UserFactory(), UserFactory()
        plan = open_plan_with(seller, shop, products, rate=str(initial))
        if joined_before_changes:
            affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
        for rate in changes:
            offer = affiliate_services.check_offer(rate=str(rate), kind="open")
            for entry in PlanProduct.objects.filter(plan=plan):
                affiliate_services.change_term(user=seller, plan_product_id=entry.pk, offer=offer)
        if not joined_before_changes:
            affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
        expected_rate = (
            rate_in_force_for_a_member(initial, changes)
            if joined_before_changes
            else (changes or [initial])[-1]
        )
        for product in products:
            anchor_click(buyer, creator, product)
        order = place(buyer, shop, lines, products)

        for order_line in order.lines.all():
            commission = Commission.objects.get(line=order_line)
            assert commission.rate == expected_rate
            assert commission.base == order_line.line_total - order_line.discount
            assert commission.amount == rule(commission.base, expected_rate)
            refunded = Decimal("0.00")
            for n, share in enumerate(shares):
                left = commission.base - refunded
                amount = (left * Decimal(str(share))).quantize(CENT, rounding="ROUND_DOWN")
                if amount <= 0:
                    continue
                order_services.refund_line(
                    shop_id=shop.pk,
                    order_id=order.pk,
                    line_id=order_line.pk,
                    amount=str(amount),
                    actor=seller,
                    reason="",
                    key=f"{order_line.pk}-{n}",
                )
                refunded += amount
                commission.refresh_from_db()
                expected = (
                    commission.amount
                    if refunded >= commission.base
                    else (commission.amount * refunded / commission.base).quantize(
                        CENT, rounding=ROUND_HALF_UP
                    )
                )
                assert commission.clawed_back == expected
                assert sum(a.amount for a in commission.adjustments.all()) == expected
        transaction.set_rollback(True)
