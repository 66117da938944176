"""The earnings studio pages: figures, charts, tables, the commissions list, CSV exports and the
attribution receipt, with who may see what."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clipcart.affiliate import services as affiliate_services
from clipcart.feed.models import CreatorDay
from clipcart.orders import services as order_services
from tests.affiliate.helpers import open_plan_with
from tests.affiliate.test_earnings import NOW, TODAY, external_sale, sale
from tests.conftest import ADDRESS
from tests.factories import UserFactory, make_post, make_product

pytestmark = pytest.mark.django_db

EARNINGS = "/studio/earnings/"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def member(seller, shop, product, creator):
    with time_machine.travel(NOW - timedelta(days=120), tick=False):
        plan = open_plan_with(seller, shop, [product], rate="10")
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return creator


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def creator_client(member) -> Client:
    return signed_in(member)


def svgs(html: str) -> list[ET.Element]:
    """Every chart figure of a page, parsed as XML."""
    found, start = [], 0
    while (start := html.find('<figure class="chart"', start)) != -1:
        end = html.index("</figure>", start) + len("</figure>")
        found.append(ET.fromstring(html[start:end]))
        start = end
    return found


# --- The overview -------------------------------------------------------------------------------


def test_the_overview_shows_the_periods_figures(creator_client, member, product):
    post = make_post(creator=member, caption="Serum haul", products=[product])
    CreatorDay.objects.create(creator=member, day=TODAY, views=1200)
    sale(member, product, post=post, quantity=2)

    page = creator_client.get(EARNINGS, {"days": 7})

    assert page.status_code == 200
    html = page.content.decode()
    assert "1,200" in html  # views
    assert "0.08%" in html  # 1 anchor click / 1,200 views
    assert "$40.00" in html  # GMV
    assert "$4.00" in html  # commission
    assert "Serum haul" in html and "Glow serum" in html
    assert reverse("web:commission_receipt", args=[member.commissions.get().pk]) in html
    figures = svgs(html)
    assert [f.get("id") for f in figures] == ["chart-views", "chart-clicks", "chart-money"]
    views = figures[0].find("{http://www.w3.org/2000/svg}svg")
    assert views is not None and len(list(views.iter("{http://www.w3.org/2000/svg}circle"))) == 7


def test_a_creator_without_earnings_is_told_how_to_start(creator):
    page = signed_in(creator).get(EARNINGS)

    html = page.content.decode()
    assert page.status_code == 200
    assert "Start earning" in html and 'href="/studio/collabs/"' in html
    assert "No views yet in this period" in html
    assert len(svgs(html)) == 3  # empty charts are still valid pictures
    assert "—" in html  # no views: no click-through rate


def test_the_period_can_be_7_30_or_90_days_and_nothing_else(creator_client):
    assert "Mar 8 – Mar 14, 2031" in creator_client.get(EARNINGS, {"days": 7}).content.decode()
    assert creator_client.get(EARNINGS, {"days": 90}).status_code == 200
    assert creator_client.get(EARNINGS, {"days": 12}).status_code == 422


def test_the_overview_takes_the_same_queries_for_one_sale_or_many(creator_client, member, product):
    sale(member, product, post=make_post(creator=member, products=[product]))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert creator_client.get(EARNINGS).status_code == 200
        return len(captured)

    few = count()
    for days_ago in range(5):
        sale(member, product, post=make_post(creator=member, products=[product]), days_ago=days_ago)
    assert count() == few


@pytest.mark.parametrize("name", ["earnings_posts", "earnings_products", "earnings_commissions"])
def test_list_pages_take_the_same_queries_for_one_row_or_many(
    creator_client, member, product, name
):
    sale(member, product, post=make_post(creator=member, products=[product]))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert creator_client.get(reverse(f"web:{name}")).status_code == 200
        return len(captured)

    few = count()
    for days_ago in range(5):
        sale(member, product, post=make_post(creator=member, products=[product]), days_ago=days_ago)
    assert count() == few


def test_the_earnings_pages_need_a_sign_in(client):
    for name in ("earnings", "earnings_posts", "earnings_products", "earnings_commissions"):
        answer = client.get(reverse(f"web:{name}"))
        assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_posts_and_products_pages_list_every_row(creator_client, member, product):
    post = make_post(creator=member, caption="Night routine", products=[product])
    sale(member, product, post=post)

    posts = creator_client.get(reverse("web:earnings_posts")).content.decode()
    products = creator_client.get(reverse("web:earnings_products"), {"days": 30}).content.decode()

    assert "Night routine" in posts and "$2.00" in posts
    assert "Glow serum" in products and "$20.00" in products


# --- Commissions --------------------------------------------------------------------------------


def test_a_cancelled_order_is_listed_as_cancelled_with_its_reason(
    creator_client, member, seller, product
):
    commission = sale(member, product)
    order_services.cancel_order(order_id=commission.order_id, actor=seller, reason="Out of stock")

    page = creator_client.get(reverse("web:earnings_commissions"), {"status": "cancelled"})

    html = page.content.decode()
    assert f'id="commission-{commission.pk}"' in html
    assert "Cancelled" in html and "Order cancelled" in html
    assert "was <span" in html  # the $2.00 it had earned, not a mysterious $0
    other = creator_client.get(reverse("web:earnings_commissions"), {"status": "paid"})
    assert f'id="commission-{commission.pk}"' not in other.content.decode()


def test_the_commissions_list_is_paged(creator_client, member, seller, shop):
    plenty = make_product(shop=shop, title="Sheet mask", price="3.00", stock=50)
    affiliate_services.add_product(
        user=seller,
        plan_id=member.plan_memberships.get().plan_id,
        product_id=plenty.pk,
        offer=affiliate_services.Offer(rate=Decimal("10")),
    )
    made = [sale(member, plenty) for _ in range(22)]

    first = creator_client.get(reverse("web:earnings_commissions")).content.decode()

    assert f'id="commission-{made[-1].pk}"' in first
    assert f'id="commission-{made[0].pk}"' not in first
    assert "Older commissions" in first


# --- The receipt --------------------------------------------------------------------------------


@pytest.fixture
def commission(member, product):
    post = make_post(creator=member, caption="Glow test", products=[product])
    return sale(member, product, post=post, quantity=2, name="jane-q-buyer")


def receipt_url(commission) -> str:
    return reverse("web:commission_receipt", args=[commission.pk])


def test_the_receipt_shows_the_line_the_touch_the_term_and_the_rule(creator_client, commission):
    assert receipt_url(commission) == f"/studio/earnings/receipts/{commission.pk}/"

    page = creator_client.get(receipt_url(commission))

    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "Glow serum",  # the line
        "$20.00",  # unit price
        "$40.00",  # line total and net paid
        "Anchor click in a video",
        f'href="/v/{commission.post_id}/"',
        "7 days after a click",  # the attribution window
        "10% of the net paid",
        "net paid × rate, rounded once to the cent, half up",
        "$4.00",
        "After delivery",
    ):
        assert text in html, text


def test_the_receipt_never_names_the_buyer_or_their_address(creator_client, seller, commission):
    for client in (creator_client, signed_in(seller)):
        html = client.get(receipt_url(commission)).content.decode()
        assert "jane-q-buyer" not in html
        for value in ADDRESS.values():
            if value != "US":
                assert value not in html


def test_another_creator_gets_404_for_a_receipt(commission):
    rival = UserFactory(username="rival")
    assert signed_in(rival).get(receipt_url(commission)).status_code == 404


def test_the_shops_staff_may_open_the_receipt_and_another_shops_may_not(
    commission, seller, other_seller, other_shop
):
    seller_page = signed_in(seller).get(receipt_url(commission))
    assert seller_page.status_code == 200
    assert reverse("web:seller_order", args=[commission.shop_id, commission.order_id]) in (
        seller_page.content.decode()
    )
    assert signed_in(other_seller).get(receipt_url(commission)).status_code == 404


def test_an_operator_may_open_any_receipt(commission, operator):
    assert signed_in(operator).get(receipt_url(commission)).status_code == 200


def test_a_half_refund_shows_its_clawback_and_halves_the_net(creator_client, seller, commission):
    order_services.refund_line(
        shop_id=commission.shop_id,
        order_id=commission.order_id,
        line_id=commission.line_id,
        amount="20.00",
        actor=seller,
        reason="One bottle leaked",
        key="r1",
    )

    html = creator_client.get(receipt_url(commission)).content.decode()

    assert "Clawback for a refund" in html
    assert "20.00 of 40.00 USD refunded" in html
    assert "Clawed back" in html and "$2.00" in html


def test_a_cancelled_receipt_says_why(creator_client, seller, commission):
    order_services.cancel_order(order_id=commission.order_id, actor=seller, reason="No stock")

    html = creator_client.get(receipt_url(commission)).content.decode()

    assert "Cancelled: Order cancelled." in html
    assert "Never: cancelled" in html


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(answer) -> list[list[str]]:
    return list(csv.reader(io.StringIO(answer.content.decode())))


def test_the_commissions_export_has_a_row_per_commission_with_proper_quoting(
    creator_client, member, seller, shop
):
    odd = make_product(shop=shop, title='Serum, "extra" strength', price="15.00")
    formula = make_product(shop=shop, title="=HYPERLINK(1)", price="5.00")
    plan_id = member.plan_memberships.get().plan_id
    for item in (odd, formula):
        affiliate_services.add_product(
            user=seller,
            plan_id=plan_id,
            product_id=item.pk,
            offer=affiliate_services.Offer(rate=Decimal("10")),
        )
    first = sale(member, odd, quantity=2)
    second = sale(member, formula)
    order_services.cancel_order(order_id=second.order_id, actor=seller, reason="Oops")

    answer = creator_client.get(reverse("web:earnings_export"), {"days": 7})

    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == (
        'attachment; filename="clipcart-commissions-2031-03-08-to-2031-03-14.csv"'
    )
    assert '"Serum, ""extra"" strength"' in answer.content.decode()
    header, *rows = read_csv(answer)
    assert header[:4] == ["Commission", "Date", "Order", "Product"]
    assert rows[0] == [
        str(first.pk),
        "2031-03-14",
        str(first.order_id),
        'Serum, "extra" strength',
        "",
        "Anchor click in a video",
        "2031-03-14T15:00:00Z",
        "1",
        "10.00%",
        "30.00",
        "3.00",
        "0.00",
        "3.00",
        "USD",
        "Pending (return window open)",
        "",
    ]
    assert rows[1][3] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet
    assert rows[1][12:] == ["0.00", "USD", "Cancelled", "Order cancelled"]


def test_the_daily_export_has_a_row_per_day(creator_client, member, product):
    CreatorDay.objects.create(creator=member, day=TODAY, views=200)
    sale(member, product)

    answer = creator_client.get(reverse("web:earnings_export"), {"days": 7, "kind": "daily"})

    assert "clipcart-daily-USD-2031-03-08-to-2031-03-14.csv" in answer["Content-Disposition"]
    header, *rows = read_csv(answer)
    assert header == [
        "Date",
        "Views",
        "Anchor clicks",
        "CTR",
        "External clicks",
        "Orders",
        "GMV",
        "Commission",
        "Currency",
    ]
    assert len(rows) == 7
    assert rows[-1] == ["2031-03-14", "200", "1", "0.50%", "0", "1", "20.00", "2.00", "USD"]
    assert rows[0] == ["2031-03-08", "0", "0", "", "0", "0", "0.00", "0.00", "USD"]


def test_an_export_holds_only_the_callers_commissions(member, product):
    sale(member, product)
    rival = UserFactory(username="rival")

    _header, *rows = read_csv(signed_in(rival).get(reverse("web:earnings_export")))

    assert rows == []


def test_the_receipt_of_a_sale_on_another_store_names_its_order_there(member, seller, shop):
    commission = external_sale(member, seller, shop)

    html = signed_in(member).get(receipt_url(commission)).content.decode()

    assert "LAMPS-1001" in html and "Desk lamp" in html
    assert "External link click" in html and "The tracked link to the brand" in html
    assert "× 10% = 5.99 →" in html  # 59.90 × 10%, before and after the one rounding
