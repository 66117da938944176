"""Rate changes: a raise at once, a cut only after 30 days for creators already promoting
(told 2 days before), removal ends it for everyone; every rate a versioned term."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.affiliate import selectors
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Term
from clipcart.core.errors import Conflict, InvalidInput
from clipcart.media.models import Anchor
from clipcart.media.services import AnchorSpec, check_anchors

from ..factories import UserFactory, make_post
from .helpers import anchor_click, buy_product, commission_of, entry_of, open_plan_with

pytestmark = pytest.mark.django_db


def rate_of(creator, product) -> Decimal | None:
    term = selectors.term_for(creator_id=creator.pk, product_id=product.pk)
    return term.rate if term else None


def change_rate(seller, entry, rate: str) -> Term:
    offer = affiliate_services.check_offer(rate=rate, kind="open")
    return affiliate_services.change_term(user=seller, plan_product_id=entry.pk, offer=offer)


@pytest.fixture
def plan(seller, shop, product):
    return open_plan_with(seller, shop, [product], rate="10")


@pytest.fixture
def member(plan, creator):
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return creator


@pytest.mark.parametrize(
    "raw, message",
    [
        ("0", "between 1% and 80%"),
        ("81", "between 1% and 80%"),
        ("abc", "a number"),
        ("12.345", "at most two decimals"),
        (12.5, "decimal string"),
        ("NaN", "a number"),
        ("-5", "between 1% and 80%"),
    ],
)
def test_rates_out_of_range_or_malformed_are_refused(raw, message):
    with pytest.raises(InvalidInput) as error:
        affiliate_services.check_offer(rate=raw, kind="open")
    assert message in error.value.message
    assert error.value.field == "rate"


def test_rates_at_the_bounds_and_with_two_decimals_are_accepted():
    for raw, expected in [("1", "1.00"), ("80", "80.00"), ("12.35", "12.35"), ("7%", "7.00")]:
        assert affiliate_services.check_offer(rate=raw, kind="open").rate == Decimal(expected)


def test_a_flat_fee_is_only_for_targeted_plans():
    with pytest.raises(InvalidInput):
        affiliate_services.check_offer(flat_fee="2.00", kind="open")
    offer = affiliate_services.check_offer(flat_fee="2.00", kind="targeted")
    assert offer.flat_fee == Decimal("2.00")


def test_a_raise_applies_at_once_to_creators_already_promoting(seller, plan, product, member):
    change_rate(seller, entry_of(plan, product), "15")
    assert rate_of(member, product) == Decimal("15.00")


def test_a_cut_waits_30_days_for_promoting_creators_but_not_for_new_ones(
    seller, plan, product, member
):
    change_rate(seller, entry_of(plan, product), "5")
    newcomer = UserFactory()
    affiliate_services.join_plan(creator=newcomer, plan_id=plan.pk)

    assert rate_of(member, product) == Decimal("10.00")
    assert rate_of(newcomer, product) == Decimal("5.00")
    with time_machine.travel(timezone.now() + timedelta(days=29, hours=23), tick=False):
        assert rate_of(member, product) == Decimal("10.00")
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        assert rate_of(member, product) == Decimal("5.00")


def test_a_raise_after_a_pending_cut_replaces_the_cut(seller, plan, product, member):
    entry = entry_of(plan, product)
    change_rate(seller, entry, "5")
    change_rate(seller, entry, "12")
    assert rate_of(member, product) == Decimal("12.00")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert rate_of(member, product) == Decimal("12.00")


def test_promoting_creators_are_told_two_days_before_a_cut_reaches_them(
    seller, plan, product, member
):
    change_rate(seller, entry_of(plan, product), "5")
    assert affiliate_services.send_due_notices() == 0
    with time_machine.travel(timezone.now() + timedelta(days=27), tick=False):
        assert affiliate_services.send_due_notices() == 0
    with time_machine.travel(timezone.now() + timedelta(days=28, minutes=1), tick=False):
        assert affiliate_services.send_due_notices() == 1
        assert affiliate_services.send_due_notices() == 0  # told once
    notice = Notification.objects.get(user=member, kind="rate_cut")
    assert "5%" in notice.message and product.title in notice.message


def test_a_cut_replaced_before_it_takes_effect_is_not_announced(seller, plan, product, member):
    entry = entry_of(plan, product)
    change_rate(seller, entry, "5")
    change_rate(seller, entry, "20")
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        affiliate_services.send_due_notices()
    assert not Notification.objects.filter(user=member, kind="rate_cut").exists()


def test_removing_a_product_ends_it_for_everyone_at_once(seller, plan, product, member):
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, product).pk)
    assert rate_of(member, product) is None
    with pytest.raises(Conflict) as error:
        affiliate_services.join_for_product(creator=UserFactory(), product_id=product.pk)
    assert error.value.code == "not_in_plan"


def test_every_change_is_a_new_version_and_the_purchase_freezes_the_one_in_force(
    seller, plan, product, member, shopper
):
    entry = entry_of(plan, product)
    change_rate(seller, entry, "15")
    anchor_click(shopper, member, product)
    order = buy_product(shopper, product)
    change_rate(seller, entry, "30")

    assert list(entry.terms.values_list("version", "rate")) == [
        (1, Decimal("10.00")),
        (2, Decimal("15.00")),
        (3, Decimal("30.00")),
    ]
    commission = commission_of(order)
    assert (commission.term.version, commission.rate) == (2, Decimal("15.00"))
    assert commission.amount == Decimal("3.00")  # 20.00 × 15%


def test_a_targeted_plan_overrides_the_open_plan_for_its_creator(
    seller, shop, plan, product, member
):
    targeted = affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIP")
    offer = affiliate_services.check_offer(rate="25", kind="targeted")
    affiliate_services.add_product(
        user=seller, plan_id=targeted.pk, product_id=product.pk, offer=offer
    )
    invitation = affiliate_services.invite(user=seller, plan_id=targeted.pk, handle=member.handle)
    assert rate_of(member, product) == Decimal("10.00")  # not before accepting
    affiliate_services.answer_invitation(creator=member, membership_id=invitation.pk, accept=True)
    assert rate_of(member, product) == Decimal("25.00")


def test_anchor_labels_follow_the_plan(seller, plan, product, creator):
    spec = AnchorSpec(product_id=product.pk)
    [unsaved] = check_anchors(creator=creator, specs=[spec], duration_ms=8000)
    assert unsaved.earns_commission is False  # tagged without a plan: no commission label
    post = make_post(creator=creator, products=[product], earns_commission=False)
    anchor = Anchor.objects.get(post=post, product=product)
    membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor.refresh_from_db()
    assert anchor.earns_commission is True
    [unsaved] = check_anchors(creator=creator, specs=[spec], duration_ms=8000)
    assert unsaved.earns_commission is True
    affiliate_services.leave_plan(creator=creator, membership_id=membership.pk)
    anchor.refresh_from_db()
    assert anchor.earns_commission is False


def test_open_plans_need_the_instance_minimum_of_followers(settings, plan, creator):
    from clipcart.core.errors import PermissionDenied

    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    with pytest.raises(PermissionDenied) as error:
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    assert error.value.code == "not_eligible"
    assert "1,000" in error.value.message


def test_sellers_can_invite_anyone_to_a_targeted_plan(settings, seller, shop, product, creator):
    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    targeted = affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIP")
    offer = affiliate_services.check_offer(flat_fee="2.50", kind="targeted")
    affiliate_services.add_product(
        user=seller, plan_id=targeted.pk, product_id=product.pk, offer=offer
    )
    invitation = affiliate_services.invite(user=seller, plan_id=targeted.pk, handle=creator.handle)
    affiliate_services.answer_invitation(creator=creator, membership_id=invitation.pk, accept=True)
    term = selectors.term_for(creator_id=creator.pk, product_id=product.pk)
    assert term is not None and term.flat_fee == Decimal("2.50")
