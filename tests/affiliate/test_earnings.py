"""The creator's earnings reads: every figure is built here from rows and checked exactly, the
reads take a fixed number of queries, and a receipt is only for its creator, the shop's staff
and operators."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.affiliate import earnings
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, Touch
from clipcart.affiliate.services import postbacks as postback_services
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.feed.models import CreatorDay, PostStats
from clipcart.orders import services as order_services

from ..factories import UserFactory, make_post, make_product
from .helpers import anchor_click, buy_product, commission_of, open_plan_with

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 3, 14, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def member(seller, shop, product, creator):
    """The creator in the shop's open plan (10%) since long before any sale here."""
    with time_machine.travel(NOW - timedelta(days=120), tick=False):
        plan = open_plan_with(seller, shop, [product], rate="10")
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return creator


def buyer(name: str):
    return UserFactory(username=name)


def sale(creator, product, *, days_ago: int = 0, quantity: int = 1, post=None, name=None):
    """A buyer taps the creator's anchor and pays for `quantity` units `days_ago` days before
    now: one order with one commission."""
    at = NOW - timedelta(days=days_ago)
    shopper = buyer(name or f"buyer-{Commission.objects.count()}-{days_ago}")
    with time_machine.travel(at, tick=False):
        anchor_click(shopper, creator, product, post_id=post.pk if post else None)
        order = buy_product(shopper, product, quantity=quantity)
    return commission_of(order)


def deliver(commission: Commission, *, days_ago: int) -> None:
    order = commission.order
    order_services.ship_order(
        shop_id=order.shop_id,
        order_id=order.pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=None,
    )
    order_services.transition(
        order_id=order.pk, to="delivered", delivered_at=timezone.now() - timedelta(days=days_ago)
    )


def touch(creator, product, *, kind=Touch.Kind.ANCHOR_CLICK, days_ago: int = 0, actor="s:x"):
    at = datetime.combine(TODAY - timedelta(days=days_ago), time(9), tzinfo=UTC)
    return affiliate_services.record_touch(
        actor=actor, creator_id=creator.pk, product_id=product.pk, kind=kind, at=at
    )


# --- Periods ------------------------------------------------------------------------------------


def test_a_period_is_7_30_or_90_days_ending_today():
    period = earnings.period_of("7")
    assert (period.days, period.first, period.last) == (7, TODAY - timedelta(days=6), TODAY)
    assert len(period.dates) == 7 and period.dates[-1] == TODAY
    assert earnings.period_of(None).days == 30
    for bad in ("13", "-7", "abc", "7.5"):
        with pytest.raises(InvalidInput) as error:
            earnings.period_of(bad)
        assert error.value.field == "days"


# --- The summary --------------------------------------------------------------------------------


def test_views_and_clicks_are_sums_of_their_rows_inside_the_period(creator, shop, product):
    other = UserFactory(username="another-creator")
    CreatorDay.objects.create(creator=creator, day=TODAY, views=50)
    CreatorDay.objects.create(creator=creator, day=TODAY - timedelta(days=1), views=100)
    CreatorDay.objects.create(creator=creator, day=TODAY - timedelta(days=7), views=999)  # before
    CreatorDay.objects.create(creator=other, day=TODAY, views=777)
    for n in range(3):
        touch(creator, product, days_ago=1, actor=f"s:yesterday-{n}")
    touch(creator, product, actor="s:today")
    touch(creator, product, actor="s:today", kind=Touch.Kind.EXTERNAL_CLICK)
    touch(creator, product, actor="s:today", kind=Touch.Kind.VIEW_COMPLETE)  # not a click
    touch(creator, product, actor="s:old", days_ago=7)
    touch(other, product, actor="s:today")
    # The same shopper tapping again within the de-duplication window is one click.
    touch(creator, product, actor="s:today")

    found = earnings.summary(creator_id=creator.pk, period=earnings.period_of(7))

    t = found.totals
    assert (t.views, t.anchor_clicks, t.external_clicks) == (150, 4, 1)
    assert t.ctr == pytest.approx(4 / 150)
    by_day = {d.day: d for d in found.days}
    assert [d.day for d in found.days] == earnings.period_of(7).dates
    assert (by_day[TODAY].views, by_day[TODAY].anchor_clicks) == (50, 1)
    yesterday = by_day[TODAY - timedelta(days=1)]
    assert (yesterday.views, yesterday.anchor_clicks, yesterday.ctr) == (100, 3, 0.03)
    assert by_day[TODAY - timedelta(days=2)].ctr is None  # no views: no rate, not 0%


def test_orders_gmv_and_commission_by_status_are_sums_of_commissions(member, seller, product):
    sale(member, product, quantity=2)  # pending: 40.00 → 4.00
    paid = sale(member, product, days_ago=3)  # 20.00 → 2.00
    payable = sale(member, product, days_ago=3)  # 20.00 → 2.00
    refunded = sale(member, product, days_ago=1)  # 20.00 → 2.00, half refunded → 1.00
    cancelled = sale(member, product, days_ago=1)  # cancelled: earns nothing
    sale(member, product, days_ago=8)  # before the period
    for commission in (paid, payable):
        deliver(commission, days_ago=31)
    assert affiliate_services.release_payable() == 2
    affiliate_services.pay_out(commission_ids=[paid.pk], reference="payout-1")
    order_services.refund_line(
        shop_id=refunded.shop_id,
        order_id=refunded.order_id,
        line_id=refunded.line_id,
        amount="10.00",
        actor=seller,
        reason="Scratched",
        key="r1",
    )
    order_services.cancel_order(order_id=cancelled.order_id, actor=seller, reason="Out of ink")

    found = earnings.summary(creator_id=member.pk, period=earnings.period_of(7))

    t = found.totals
    assert found.currency == "USD"
    assert t.orders == 4
    assert t.gmv == Decimal("100.00")  # 40 + 20 + 20 + 20; the cancelled sale is not a sale
    assert (t.pending, t.payable, t.paid) == (Decimal("5.00"), Decimal("2.00"), Decimal("2.00"))
    assert t.commission == Decimal("9.00")
    assert t.cancelled == 1
    by_day = {d.day: d for d in found.days}
    assert (by_day[TODAY].orders, by_day[TODAY].gmv, by_day[TODAY].commission) == (
        1,
        Decimal("40.00"),
        Decimal("4.00"),
    )
    three_ago = by_day[TODAY - timedelta(days=3)]
    assert (three_ago.orders, three_ago.gmv, three_ago.commission) == (
        2,
        Decimal("40.00"),
        Decimal("4.00"),
    )
    one_ago = by_day[TODAY - timedelta(days=1)]
    assert (one_ago.orders, one_ago.gmv, one_ago.commission) == (
        1,
        Decimal("20.00"),
        Decimal("1.00"),
    )
    assert sum(d.gmv for d in found.days) == t.gmv
    assert sum(d.commission for d in found.days) == t.commission


def test_a_refund_of_half_halves_the_net(member, seller, product):
    commission = sale(member, product, quantity=2)
    assert commission.amount == Decimal("4.00")

    order_services.refund_line(
        shop_id=commission.shop_id,
        order_id=commission.order_id,
        line_id=commission.line_id,
        amount="20.00",
        actor=seller,
        reason="One arrived broken",
        key="half",
    )

    (row,) = earnings.commission_list(creator_id=member.pk).items
    assert (row.amount, row.clawed_back, row.net_amount) == (
        Decimal("4.00"),
        Decimal("2.00"),
        Decimal("2.00"),
    )
    assert earnings.summary(creator_id=member.pk, period=earnings.period_of(7)).totals.pending == (
        Decimal("2.00")
    )
    found = earnings.receipt(user=member, commission_id=commission.pk)
    (clawback,) = found.adjustments
    assert (clawback.kind, clawback.amount) == ("clawback", Decimal("2.00"))
    assert found.refunded == Decimal("20.00")


def test_a_cancelled_order_is_listed_as_cancelled_with_its_reason_and_earns_nothing(
    member, seller, product
):
    commission = sale(member, product)
    order_services.cancel_order(order_id=commission.order_id, actor=seller, reason="No stock")

    (row,) = earnings.commission_list(creator_id=member.pk, status="cancelled").items
    assert (row.status, row.status_reason, row.net_amount) == (
        "cancelled",
        "Order cancelled",
        Decimal("0.00"),
    )
    assert earnings.commission_list(creator_id=member.pk, status="pending").items == []
    assert earnings.status_counts(creator_id=member.pk) == {"cancelled": 1}
    adjustment = earnings.receipt(user=member, commission_id=commission.pk).adjustments[0]
    assert (adjustment.kind, adjustment.note) == ("cancellation", "Order cancelled")


def test_an_unknown_status_filter_is_refused(member):
    with pytest.raises(InvalidInput) as error:
        earnings.commission_list(creator_id=member.pk, status="stolen")
    assert error.value.field == "status"


def test_money_in_another_currency_is_read_on_its_own(member, seller, shop, product):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        euro = make_product(shop=shop, title="Euro serum", price="30.00")
        euro.variants.update(currency="EUR")
        affiliate_services.add_product(
            user=seller,
            plan_id=member.plan_memberships.get().plan_id,
            product_id=euro.pk,
            offer=affiliate_services.Offer(rate=Decimal("10")),
        )
    sale(member, product)
    sale(member, euro)

    usd = earnings.summary(creator_id=member.pk, period=earnings.period_of(7))
    eur = earnings.summary(creator_id=member.pk, period=earnings.period_of(7), currency="eur")

    assert usd.currencies == eur.currencies == ["EUR", "USD"]
    assert (usd.currency, usd.totals.gmv, usd.totals.orders) == ("USD", Decimal("20.00"), 1)
    assert (eur.currency, eur.totals.gmv, eur.totals.pending) == (
        "EUR",
        Decimal("30.00"),
        Decimal("3.00"),
    )


# --- Per post and per product -------------------------------------------------------------------


def test_each_post_has_its_own_views_clicks_and_sales(member, product):
    first = make_post(creator=member, caption="First", products=[product])
    second = make_post(creator=member, caption="Second", products=[product])
    PostStats.objects.create(post=first, views=200)
    sale(member, product, post=first, quantity=2)
    sale(member, product, post=first)
    touch(member, product, actor="s:browsing")  # a click not in any video
    Touch.objects.create(
        actor="s:viewer",
        creator=member,
        product=product,
        post_id=second.pk,
        kind=Touch.Kind.ANCHOR_CLICK,
        window=1,
        first_at=NOW,
        last_at=NOW,
    )

    page = earnings.post_figures(creator_id=member.pk, currency="USD")

    newest, oldest = page.items
    assert (newest.post, newest.views, newest.anchor_clicks, newest.orders) == (second, 0, 1, 0)
    assert newest.ctr is None
    assert (oldest.post, oldest.views, oldest.anchor_clicks, oldest.orders) == (first, 200, 2, 2)
    assert (oldest.gmv, oldest.commission) == (Decimal("60.00"), Decimal("6.00"))
    assert oldest.ctr == 0.01


def test_products_are_ranked_by_commission_and_paged(member, seller, shop, product):
    cheap = make_product(shop=shop, title="Lip balm", price="5.00")
    plan_id = member.plan_memberships.get().plan_id
    affiliate_services.add_product(
        user=seller,
        plan_id=plan_id,
        product_id=cheap.pk,
        offer=affiliate_services.Offer(rate=Decimal("20")),
    )
    sale(member, product, quantity=3)  # 60.00 → 6.00
    sale(member, cheap)  # 5.00 → 1.00
    touch(member, cheap, actor="s:a")
    touch(member, cheap, actor="s:b", kind=Touch.Kind.SHARE_VISIT)
    touch(member, cheap, actor="s:c", kind=Touch.Kind.VIEW_COMPLETE)  # a view, not a click

    first = earnings.product_figures(
        creator_id=member.pk, period=earnings.period_of(7), currency="USD", size=1
    )
    second = earnings.product_figures(
        creator_id=member.pk,
        period=earnings.period_of(7),
        currency="USD",
        size=1,
        cursor=first.next_cursor,
    )

    (best,) = first.items
    (balm,) = second.items
    assert (best.product_id, best.orders, best.units, best.gmv, best.commission, best.clicks) == (
        product.pk,
        1,
        3,
        Decimal("60.00"),
        Decimal("6.00"),
        1,
    )
    assert (balm.title, balm.clicks, balm.orders, balm.commission) == (
        "Lip balm",
        3,
        1,
        Decimal("1.00"),
    )
    assert second.next_cursor is None


# --- Query counts -------------------------------------------------------------------------------


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured)


def test_the_reads_take_the_same_queries_for_one_sale_or_many(
    member, product, django_assert_max_num_queries
):
    post = make_post(creator=member, products=[product])

    def read_everything():
        period = earnings.period_of(30)
        earnings.overview(creator_id=member.pk, period=period)
        earnings.post_figures(creator_id=member.pk, currency="USD")
        earnings.product_figures(creator_id=member.pk, period=period, currency="USD")
        list(earnings.commissions_for_export(creator_id=member.pk, period=period))
        for c in earnings.commission_list(creator_id=member.pk).items:
            assert c.product is not None and c.conversion is None

    sale(member, product, post=post)
    with django_assert_max_num_queries(14):  # summary 5, products 3, posts 5, commissions 1
        earnings.overview(creator_id=member.pk, period=earnings.period_of(30))
    few = _queries(read_everything)
    for days_ago in range(6):
        sale(member, product, post=make_post(creator=member, products=[product]), days_ago=days_ago)
    assert _queries(read_everything) == few


# --- Receipts -----------------------------------------------------------------------------------


def test_a_receipt_is_for_its_creator_the_shops_staff_and_operators(
    member, seller, other_seller, other_shop, operator, stranger, product
):
    commission = sale(member, product)
    rival = UserFactory(username="rival-creator")

    for reader, role in ((member, "creator"), (seller, "shop"), (operator, "operator")):
        assert earnings.receipt(user=reader, commission_id=commission.pk).viewer == role
    for reader in (rival, other_seller, stranger):
        with pytest.raises(NotFound):
            earnings.receipt(user=reader, commission_id=commission.pk)
    with pytest.raises(NotFound):
        earnings.receipt(user=member, commission_id=commission.pk + 1000)


def test_a_receipt_keeps_the_winning_touch_the_term_and_the_rule(member, product):
    post = make_post(creator=member, products=[product])
    commission = sale(member, product, post=post, quantity=3)

    found = earnings.receipt(user=member, commission_id=commission.pk)

    assert found.commission.touch_kind == "anchor_click"
    assert found.post == post and found.post_is_live
    assert found.window == timedelta(days=7)
    assert (found.plan.kind, found.term.version, found.term.rate) == ("open", 1, Decimal("10"))
    assert found.rule == "net paid × rate, rounded once to the cent, half up"
    assert str(found.before_rounding) == "6.00"
    assert found.line.net_total == Decimal("60.00")
    assert found.payable_from is None  # not delivered yet


def test_pending_commission_becomes_payable_a_return_window_after_delivery(
    settings, member, product
):
    commission = sale(member, product)
    deliver(commission, days_ago=2)

    found = earnings.receipt(user=member, commission_id=commission.pk)

    delivered_at = NOW - timedelta(days=2)
    assert found.payable_from == delivered_at + timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)


# --- Sales on another store ---------------------------------------------------------------------


def external_sale(member, seller, shop, *, amount: str = "59.90") -> Commission:
    """A shopper follows the creator's tracked link to the brand's own store and buys there; the
    store reports the sale back through the signed postback."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        lamp = make_product(
            shop=shop,
            title="Desk lamp",
            price=amount,
            kind="external",
            external_url="https://lamps.example/42",
        )
        affiliate_services.add_product(
            user=seller,
            plan_id=member.plan_memberships.get().plan_id,
            product_id=lamp.pk,
            offer=affiliate_services.Offer(rate=Decimal("10")),
        )
    click = postback_services.external_click(
        actor="s:lamp-fan", ref=account_services.ensure_ref_code(user=member), product_id=lamp.pk
    )
    secret = postback_services.postback_secret(user=seller, shop_id=shop.pk).secret
    body = {
        "click": click,
        "order_ref": "LAMPS-1001",
        "amount": amount,
        "currency": "USD",
        "occurred_at": NOW.isoformat(),
    }
    raw = json.dumps(body).encode()
    stamp = str(int(NOW.timestamp()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    recorded = postback_services.record_conversion(raw_body=raw, signature=f"t={stamp},v1={digest}")
    assert recorded.commission is not None
    return recorded.commission


def test_a_sale_reported_by_another_store_counts_with_its_click(member, seller, shop, settings):
    commission = external_sale(member, seller, shop)

    found = earnings.summary(creator_id=member.pk, period=earnings.period_of(7))
    receipt = earnings.receipt(user=member, commission_id=commission.pk)

    t = found.totals
    assert (t.external_clicks, t.orders, t.gmv, t.pending) == (
        1,
        1,
        Decimal("59.90"),
        Decimal("5.99"),
    )
    assert receipt.conversion is not None and receipt.conversion.order_ref == "LAMPS-1001"
    assert receipt.line is None and receipt.refunds == []
    assert receipt.window == timedelta(days=7)
    # No delivery to wait for: the return window runs from the reported sale.
    assert receipt.payable_from == NOW + timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)
    (row,) = earnings.product_figures(
        creator_id=member.pk, period=earnings.period_of(7), currency="USD"
    ).items
    assert (row.title, row.external_clicks, row.clicks, row.orders) == ("Desk lamp", 1, 0, 1)


def test_the_receipt_shows_the_amount_before_its_one_rounding_half_up(member, seller, shop):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        odd = make_product(shop=shop, title="Tinted balm", price="19.95")
        affiliate_services.add_product(
            user=seller,
            plan_id=member.plan_memberships.get().plan_id,
            product_id=odd.pk,
            offer=affiliate_services.Offer(rate=Decimal("10")),
        )
    commission = sale(member, odd)

    found = earnings.receipt(user=member, commission_id=commission.pk)

    assert (str(found.before_rounding), commission.amount) == ("1.995", Decimal("2.00"))
