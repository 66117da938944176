"""The demo's affiliate life: plans on the products its creators tag, the creators in them, and
commissions on the demo's orders that follow the rule, the terms in force and the orders."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from clipcart.accounts.models import User
from clipcart.affiliate import selectors, terms
from clipcart.affiliate.models import (
    Commission,
    CommissionAdjustment,
    Membership,
    Plan,
    RateChangeNotice,
    Touch,
)
from clipcart.catalog.models import ShopMember
from clipcart.demo.services import today_at_midnight
from clipcart.media.models import Anchor
from clipcart.orders.models import OrderStatus

from .test_seed import seed

pytestmark = pytest.mark.django_db
C = Commission.Status


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """One seed for the module; tests only read it, each in its own rolled-back transaction."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        seed()
        yield media
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded(seeded_once, db) -> Path:
    return seeded_once


def test_the_creator_login_earns_in_several_statuses_on_many_days_by_the_rule(seeded):
    mine = Commission.objects.filter(creator__username="creator").select_related("term", "line")

    assert len({c.status for c in mine}) >= 2
    assert len({c.earned_at.date() for c in mine}) >= 5
    for commission in mine:
        in_force = selectors.term_for(
            creator_id=commission.creator_id,
            product_id=commission.product_id,
            at=commission.earned_at,
        )
        assert commission.term == in_force
        assert commission.base == commission.line.net_total
        assert commission.amount == terms.commission_amount(
            base=commission.base, quantity=commission.quantity, term=commission.term
        )


def test_every_commission_follows_its_order(seeded):
    base = today_at_midnight()
    window = timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)
    commissions = Commission.objects.select_related("order", "touch", "term")

    # The demo's payout run pays what was payable a week ago; at this small scale nothing may
    # have become payable since, so "payable" is not required here.
    assert {c.status for c in commissions} >= {C.PENDING, C.PAID, C.CANCELLED}
    for c in commissions:
        order = c.order
        assert c.amount == terms.commission_amount(base=c.base, quantity=c.quantity, term=c.term)
        assert c.earned_at == order.created_at and c.touched_at <= c.earned_at
        assert c.touch.creator_id == c.creator_id and c.touch.actor == f"u:{order.buyer_id}"
        assert c.creator_id != order.buyer_id
        closed = order.delivered_at is not None and order.delivered_at + window <= base
        if order.status == OrderStatus.CANCELLED:
            assert (c.status, c.status_reason) == (C.CANCELLED, "Order cancelled")
            adjustment = CommissionAdjustment.objects.get(commission=c)
            assert adjustment.amount == c.amount
        elif closed:
            assert c.status in (C.PAYABLE, C.PAID)
            assert c.payable_at == order.delivered_at + window
            assert c.status == C.PAYABLE or c.payable_at <= c.paid_at
        else:
            assert c.status == C.PENDING
    staff = set(ShopMember.objects.values_list("shop_id", "user_id"))
    assert not any((c.shop_id, c.creator_id) in staff for c in commissions)


def test_sellers_see_open_plans_a_manual_one_with_a_request_and_a_rate_history(seeded):
    plans = Plan.objects.filter(kind=Plan.Kind.OPEN)
    manual = plans.get(approval=Plan.Approval.MANUAL)
    assert plans.filter(approval=Plan.Approval.AUTO).count() >= 2
    assert manual.memberships.filter(status=Membership.Status.REQUESTED).exists()
    assert manual.memberships.filter(status=Membership.Status.APPROVED).exists()
    rates = [t.rate for p in plans for e in p.plan_products.all() for t in e.terms.all()]
    assert all(8 <= rate <= 24 for rate in rates)
    history = [
        list(e.terms.order_by("version"))
        for p in plans
        for e in p.plan_products.all()
        if e.terms.count() == 3
    ]
    assert history, "a product with a raise and then a cut"
    first, raised, cut = history[0]
    assert first.rate < raised.rate and cut.rate < raised.rate
    assert RateChangeNotice.objects.filter(term=cut).exists()  # members keep the raise a while


def test_the_creator_login_has_a_targeted_plan_paying_more(seeded):
    creator = User.objects.get(username="creator")
    membership = Membership.objects.get(
        creator=creator, plan__kind=Plan.Kind.TARGETED, status=Membership.Status.APPROVED
    )
    entry = membership.plan.plan_products.get()
    open_entry = entry.product.plan_entries.get(plan__kind=Plan.Kind.OPEN)
    targeted_rate = entry.terms.get().rate
    assert targeted_rate > max(t.rate for t in open_entry.terms.all())
    assert selectors.term_for(creator_id=creator.pk, product_id=entry.product_id).rate == (
        targeted_rate
    )


def test_anchors_of_creators_in_plans_carry_the_commission_label_and_clicks_are_touches(seeded):
    approved = Membership.objects.filter(status=Membership.Status.APPROVED)
    earning = {
        (a.post.creator_id, a.product_id)
        for a in Anchor.objects.filter(earns_commission=True).select_related("post")
    }
    assert earning
    for creator_id, product_id in earning:
        assert approved.filter(creator_id=creator_id, plan__plan_products__product_id=product_id)
    clicks = Touch.objects.filter(kind=Touch.Kind.ANCHOR_CLICK)
    assert clicks.exists()
    assert all((t.creator_id, t.product_id) in earning for t in clicks)
