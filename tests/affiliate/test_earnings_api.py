"""The earnings API: /me/earnings (totals and the daily series), per video and per product,
the commission list, and receipts that only their creator, the shop and operators can read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from clipcart.affiliate import services as affiliate_services
from clipcart.feed.models import CreatorDay, PostStats
from clipcart.orders import services as order_services

from ..conftest import ADDRESS, ApiClient
from ..factories import UserFactory, make_post
from .helpers import open_plan_with
from .test_earnings import NOW, TODAY, external_sale, sale

pytestmark = pytest.mark.django_db


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


@pytest.fixture
def creator_api(member) -> ApiClient:
    return ApiClient(member)


@pytest.fixture
def commission(member, product):
    post = make_post(creator=member, caption="Glow test", products=[product])
    return sale(member, product, post=post, quantity=2, name="jane-q-buyer")


def test_my_earnings_are_totals_and_a_day_by_day_series(creator_api, member, commission):
    CreatorDay.objects.create(creator=member, day=TODAY, views=400)

    answer = creator_api.get("/me/earnings?days=7")

    assert answer.status_code == 200
    body = answer.json()
    assert body["period"] == {
        "days": 7,
        "first_day": str(TODAY - timedelta(days=6)),
        "last_day": str(TODAY),
    }
    assert body["currency"] == "USD" and body["currencies"] == ["USD"]
    assert body["totals"] == {
        "views": 400,
        "anchor_clicks": 1,
        "ctr": 0.0025,
        "external_clicks": 0,
        "orders": 1,
        "gmv": "40.00",
        "commission": "4.00",
        "pending": "4.00",
        "payable": "0.00",
        "paid": "0.00",
        "cancelled": 0,
    }
    assert len(body["daily"]) == 7
    assert body["daily"][-1] == {
        "date": str(TODAY),
        "views": 400,
        "anchor_clicks": 1,
        "ctr": 0.0025,
        "external_clicks": 0,
        "orders": 1,
        "gmv": "40.00",
        "commission": "4.00",
    }
    assert body["daily"][0]["ctr"] is None


def test_the_period_must_be_7_30_or_90_days(creator_api):
    answer = creator_api.get("/me/earnings?days=14")
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "days"
    assert creator_api.get("/me/earnings?currency=XYZ").status_code == 422


def test_earnings_need_a_token(api):
    for path in ("/me/earnings", "/me/earnings/videos", "/me/earnings/products", "/me/commissions"):
        assert api.get(path).status_code == 401


def test_a_creator_reads_only_their_own_earnings(member, commission):
    rival = ApiClient(UserFactory(username="rival"))

    assert rival.get("/me/earnings").json()["totals"]["orders"] == 0
    assert rival.get("/me/commissions").json() == {"items": [], "next_cursor": None}
    assert rival.get("/me/earnings/products").json()["items"] == []


def test_each_video_has_its_figures(creator_api, commission):
    PostStats.objects.create(post_id=commission.post_id, views=100)

    (video,) = creator_api.get("/me/earnings/videos").json()["items"]

    assert video["video_id"] == commission.post_id
    assert video["caption"] == "Glow test"
    assert (video["views"], video["anchor_clicks"], video["ctr"], video["orders"]) == (
        100,
        1,
        0.01,
        1,
    )
    assert (video["gmv"], video["commission"], video["currency"]) == ("40.00", "4.00", "USD")


def test_each_product_has_its_figures(creator_api, commission, product):
    (row,) = creator_api.get("/me/earnings/products?days=30").json()["items"]

    assert row == {
        "product_id": product.pk,
        "title": "Glow serum",
        "image_url": None,
        "clicks": 1,
        "external_clicks": 0,
        "orders": 1,
        "units": 2,
        "gmv": "40.00",
        "commission": "4.00",
        "currency": "USD",
    }


def test_commissions_are_filtered_by_status_with_the_reason_of_a_cancellation(
    creator_api, member, seller, product, commission
):
    kept = sale(member, product)
    order_services.cancel_order(order_id=commission.order_id, actor=seller, reason="No stock")

    cancelled = creator_api.get("/me/commissions?status=cancelled").json()["items"]
    pending = creator_api.get("/me/commissions?status=pending").json()["items"]

    assert [c["id"] for c in cancelled] == [commission.pk]
    assert cancelled[0]["status_reason"] == "Order cancelled"
    assert (cancelled[0]["amount"], cancelled[0]["net"]) == ("4.00", "0.00")
    assert [c["id"] for c in pending] == [kept.pk]
    assert pending[0]["receipt_url"] == f"/studio/earnings/receipts/{kept.pk}/"
    bad = creator_api.get("/me/commissions?status=lost")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "status")


def test_commissions_are_paged_with_a_cursor(creator_api, member, product):
    made = [sale(member, product) for _ in range(3)]

    first = creator_api.get("/me/commissions?size=2").json()
    second = creator_api.get(f"/me/commissions?size=2&cursor={first['next_cursor']}").json()

    assert [c["id"] for c in first["items"]] == [made[2].pk, made[1].pk]
    assert [c["id"] for c in second["items"]] == [made[0].pk]
    assert second["next_cursor"] is None
    assert creator_api.get("/me/commissions?cursor=garbage").status_code == 422


def test_a_half_refund_halves_the_net_on_the_receipt(creator_api, seller, commission):
    order_services.refund_line(
        shop_id=commission.shop_id,
        order_id=commission.order_id,
        line_id=commission.line_id,
        amount="20.00",
        actor=seller,
        reason="Broken",
        key="r1",
    )

    body = creator_api.get(f"/commissions/{commission.pk}").json()

    assert (body["amount"], body["clawed_back"], body["net"]) == ("4.00", "2.00", "2.00")
    assert [(a["kind"], a["amount"]) for a in body["adjustments"]] == [("clawback", "2.00")]
    assert [r["amount"] for r in body["refunds"]] == ["20.00"]


def test_the_receipt_holds_the_line_the_touch_the_term_and_the_rule(creator_api, commission):
    answer = creator_api.get(f"/commissions/{commission.pk}")

    assert answer.status_code == 200
    body = answer.json()
    assert body["line"] == {
        "title": "Glow serum",
        "variant_name": "Default",
        "quantity": 2,
        "unit_price": "20.00",
        "line_total": "40.00",
        "discount": "0.00",
        "net_paid": "40.00",
    }
    assert body["touch"]["kind"] == "anchor_click"
    assert body["touch"]["post_id"] == commission.post_id
    assert body["touch"]["window_days"] == 7
    assert body["term"]["rate"] == "10.00" and body["term"]["version"] == 1
    assert body["term"]["plan_kind"] == "open"
    assert body["rounding_rule"] == "net paid × rate, rounded once to the cent, half up"
    assert (body["amount"], body["currency"], body["status"]) == ("4.00", "USD", "pending")
    assert body["payable_from"] is None
    text = answer.content.decode()
    assert "jane-q-buyer" not in text and ADDRESS["line1"] not in text


def test_a_receipt_is_404_for_anyone_but_its_creator_the_shop_and_operators(
    commission, seller, other_seller, other_shop, operator
):
    path = f"/commissions/{commission.pk}"
    assert ApiClient(seller).get(path).status_code == 200
    assert ApiClient(operator).get(path).status_code == 200
    for outsider in (UserFactory(username="rival"), other_seller):
        answer = ApiClient(outsider).get(path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "commission_not_found"
    assert ApiClient(seller).get(f"/commissions/{commission.pk + 999}").status_code == 404


def test_the_receipt_of_a_sale_on_another_store_has_its_conversion(
    creator_api, member, seller, shop
):
    commission = external_sale(member, seller, shop)

    body = creator_api.get(f"/commissions/{commission.pk}").json()

    assert body["line"] is None and body["order_id"] is None
    assert body["external_order_ref"] == "LAMPS-1001"
    assert body["conversion"]["amount"] == "59.90"
    assert body["touch"]["kind"] == "external_click"
    assert (body["base"], body["amount"]) == ("59.90", "5.99")
    assert body["payable_from"] is not None
