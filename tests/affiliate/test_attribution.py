"""Attribution: the last touch wins within its window (7 days after a click, 1 day after a
completed view, both per instance); a creator buying through their own link earns nothing; the
winning touch, its time, the term and the amount are kept as the line's receipt."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, Touch
from clipcart.core.errors import RateLimited

from ..conftest import ApiClient
from ..factories import PASSWORD, UserFactory, make_post
from .helpers import anchor_click, buy_product, commission_of, open_plan_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(seller, shop, product):
    return open_plan_with(seller, shop, [product], rate="10")


@pytest.fixture
def member(plan, creator):
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return creator


@pytest.fixture
def second_member(plan):
    other = UserFactory(username="rival")
    affiliate_services.join_plan(creator=other, plan_id=plan.pk)
    return other


def test_the_last_touch_wins(shopper, product, member, second_member):
    now = timezone.now()
    anchor_click(shopper, member, product, at=now - timedelta(hours=3))
    anchor_click(shopper, second_member, product, at=now - timedelta(hours=1))
    assert commission_of(buy_product(shopper, product)).creator == second_member


def test_a_click_counts_for_7_days_and_no_longer(shopper, product, member):
    anchor_click(shopper, member, product, at=timezone.now() - timedelta(days=7, minutes=5))
    assert not Commission.objects.filter(order=buy_product(shopper, product)).exists()
    anchor_click(shopper, member, product, at=timezone.now() - timedelta(days=6, hours=23))
    assert commission_of(buy_product(shopper, product)).creator == member


def test_a_completed_view_counts_for_1_day(shopper, product, member):
    affiliate_services.record_touch(
        actor=f"u:{shopper.pk}",
        creator_id=member.pk,
        product_id=product.pk,
        kind=Touch.Kind.VIEW_COMPLETE,
        at=timezone.now() - timedelta(hours=25),
    )
    assert not Commission.objects.filter(order=buy_product(shopper, product)).exists()


def test_the_windows_are_instance_settings(settings, shopper, product, member):
    settings.CLIPCART_AFFILIATE_CLICK_WINDOW_DAYS = 30
    anchor_click(shopper, member, product, at=timezone.now() - timedelta(days=20))
    assert commission_of(buy_product(shopper, product)).creator == member


def test_a_creator_buying_through_their_own_link_earns_nothing(product, member):
    own = affiliate_services.record_touch(
        actor=f"u:{member.pk}",
        creator_id=member.pk,
        product_id=product.pk,
        kind=Touch.Kind.SHARE_VISIT,
    )
    assert own is None
    assert not Commission.objects.filter(order=buy_product(member, product)).exists()


def test_a_touch_by_someone_without_a_term_does_not_take_the_sale(
    shopper, product, member, stranger
):
    anchor_click(shopper, member, product, at=timezone.now() - timedelta(hours=2))
    anchor_click(shopper, stranger, product)  # the stranger is in no plan
    assert commission_of(buy_product(shopper, product)).creator == member


def test_the_receipt_names_the_touch_its_time_the_term_and_the_amount(shopper, product, member):
    touch = anchor_click(shopper, member, product, post_id=77)
    commission = commission_of(buy_product(shopper, product, quantity=3))
    assert commission.touch_kind == "anchor_click"
    assert commission.touched_at == touch.last_at
    assert commission.post_id == 77
    assert (commission.term.version, commission.rate) == (1, Decimal("10.00"))
    assert (commission.base, commission.amount) == (Decimal("60.00"), Decimal("6.00"))
    assert commission.status == "pending"


def test_an_anchor_click_event_from_the_feed_is_a_touch(shopper, product, member):
    post = make_post(creator=member, products=[product], earns_commission=True)
    answer = ApiClient(shopper).post(
        "/events",
        {
            "events": [
                {
                    "id": "e1",
                    "type": "anchor_click",
                    "ts": timezone.now().isoformat(),
                    "video_id": post.pk,
                    "product_id": product.pk,
                }
            ]
        },
    )
    assert answer.status_code == 202
    commission = commission_of(buy_product(shopper, product))
    assert (commission.touch_kind, commission.post_id) == ("anchor_click", post.pk)


def test_a_flood_of_clicks_from_one_client_counts_once_per_window(shopper, product, member):
    post = make_post(creator=member, products=[product], earns_commission=True)
    now = timezone.now().isoformat()
    events = [
        {
            "id": f"c{n}",
            "type": "anchor_click",
            "ts": now,
            "video_id": post.pk,
            "product_id": product.pk,
        }
        for n in range(40)
    ]
    assert ApiClient(shopper).post("/events", {"events": events}).status_code == 202
    touch = Touch.objects.get()
    assert touch.hits == 40


def test_clicks_past_the_per_minute_budget_are_refused(settings, shopper, product, member):
    settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE = 5
    for _ in range(5):
        anchor_click(shopper, member, product)
    with pytest.raises(RateLimited):
        anchor_click(shopper, member, product)


def test_a_new_window_counts_a_new_click(shopper, product, member):
    anchor_click(shopper, member, product)
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        anchor_click(shopper, member, product)
    assert Touch.objects.count() == 2


def test_a_share_link_visit_before_signing_in_is_attributed_after(product, member):
    post = make_post(creator=member, products=[product], earns_commission=True)
    code = account_services.ensure_ref_code(user=member)
    buyer = UserFactory()
    browser = Client()
    assert browser.get(f"/v/{post.pk}/?ref={code}").status_code == 200
    browser.post("/login/", {"username": buyer.username, "password": PASSWORD})

    commission = commission_of(buy_product(buyer, product))
    assert (commission.creator, commission.touch_kind) == (member, "share_visit")


def test_a_mangled_or_unknown_ref_records_nothing(client, product, member):
    assert client.get(f"/p/{product.pk}/?ref=no-such-code").status_code == 200
    assert client.get(f"/p/{product.pk}/?ref=<script>").status_code == 200
    assert not Touch.objects.exists()


def test_a_ref_sent_with_a_cart_item_is_a_share_touch(shopper, product, member):
    code = account_services.ensure_ref_code(user=member)
    variant = product.variants.get()
    answer = ApiClient(shopper).post(
        "/cart/items", {"variant_id": variant.pk, "quantity": 1, "ref": code}
    )
    assert answer.status_code == 201
    assert Touch.objects.get().kind == "share_visit"
