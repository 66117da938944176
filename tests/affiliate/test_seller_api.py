"""The seller's affiliate API: the open plan, targeted plans, products and their versioned
terms, invitations and requests, and the performance figures traced to the rows behind them."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clipcart.affiliate import seller_analytics
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, Membership, Plan, PlanProduct, Term, Touch
from clipcart.orders import services as order_services
from tests.factories import UserFactory, make_product

from .helpers import anchor_click, buy_product, entry_of, open_plan_with

pytestmark = pytest.mark.django_db


def call(api, method: str, path: str, body=None):
    """Any method through the API client's headers (ApiClient has no PUT)."""
    return api.client.generic(
        method.upper(),
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=api.headers,
    )


def add(api, plan_id: int, product_id: int, **offer):
    return api.post(f"/affiliate/plans/{plan_id}/products", {"product_id": product_id, **offer})


@pytest.fixture
def plan(seller, shop):
    return affiliate_services.open_plan(user=seller, shop_id=shop.pk)


@pytest.fixture
def targeted(seller, shop):
    return affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIPs")


# --- The open plan ------------------------------------------------------------------------------


def test_putting_the_open_plan_creates_it_once_and_sets_its_approval(seller_api, shop):
    created = call(
        seller_api, "put", f"/shops/{shop.pk}/affiliate/open-plan", {"approval": "manual"}
    )
    again = call(seller_api, "put", f"/shops/{shop.pk}/affiliate/open-plan", {"approval": "auto"})

    assert created.status_code == 200, created.json()
    assert created.json()["approval"] == "manual" and created.json()["kind"] == "open"
    assert again.json()["id"] == created.json()["id"]
    assert seller_api.get(f"/shops/{shop.pk}/affiliate/open-plan").json()["approval"] == "auto"
    assert Plan.objects.filter(shop=shop, kind="open").count() == 1


def test_an_unknown_approval_is_refused_on_its_field(seller_api, shop):
    response = call(
        seller_api, "put", f"/shops/{shop.pk}/affiliate/open-plan", {"approval": "sometimes"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "approval"


def test_a_shop_without_an_open_plan_says_so(seller_api, shop):
    response = seller_api.get(f"/shops/{shop.pk}/affiliate/open-plan")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "plan_not_found"


# --- Products and terms ---------------------------------------------------------------------------


def test_a_product_joins_the_plan_with_its_first_term_as_a_string_rate(seller_api, plan, product):
    response = add(seller_api, plan.pk, product.pk, rate="12.5")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["product"] == {"id": product.pk, "title": "Glow serum"}
    assert body["term"]["rate"] == "12.50" and body["term"]["version"] == 1
    assert body["term"]["flat_fee"] is None and body["term"]["currency"] == "USD"
    assert body["term"]["effective_at"] and len(body["terms"]) == 1


@pytest.mark.parametrize(
    "rate, message",
    [
        ("0", "between 1% and 80%"),
        (0, "between 1% and 80%"),
        ("81", "between 1% and 80%"),
        ("abc", "must be a number"),
        ("12.345", "at most two decimals"),
        (12.5, "decimal string"),
    ],
)
def test_a_bad_rate_is_refused_on_the_rate_field(seller_api, plan, product, rate, message):
    response = add(seller_api, plan.pk, product.pk, rate=rate)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "rate"
    assert message in response.json()["error"]["message"]
    assert not PlanProduct.objects.filter(plan=plan).exists()


def test_a_bad_rate_in_a_change_is_refused_and_keeps_the_term(seller_api, seller, shop, product):
    entry = entry_of(open_plan_with(seller, shop, [product], rate="10"), product)

    for rate in ("0", "81", "abc", "12.345", 12.5):
        response = seller_api.patch(f"/affiliate/plan-products/{entry.pk}", {"rate": rate})
        assert response.status_code == 422, rate
        assert response.json()["error"]["field"] == "rate"

    assert list(entry.terms.values_list("rate", flat=True)) == [Decimal("10.00")]


def test_neither_or_both_rate_and_fee_is_refused(seller_api, targeted, product):
    neither = add(seller_api, targeted.pk, product.pk)
    both = add(seller_api, targeted.pk, product.pk, rate="10", flat_fee="2.00")

    assert neither.status_code == both.status_code == 422
    assert neither.json()["error"]["field"] == both.json()["error"]["field"] == "rate"


def test_a_flat_fee_is_for_targeted_plans_only(seller_api, plan, targeted, product):
    refused = add(seller_api, plan.pk, product.pk, flat_fee="2.00")
    accepted = add(seller_api, targeted.pk, product.pk, flat_fee="2.00")

    assert refused.status_code == 422 and refused.json()["error"]["field"] == "flat_fee"
    assert accepted.status_code == 201
    assert accepted.json()["term"]["flat_fee"] == "2.00"
    assert accepted.json()["term"]["rate"] is None


def test_adding_the_same_product_twice_is_a_conflict(seller_api, plan, product):
    assert add(seller_api, plan.pk, product.pk, rate="10").status_code == 201

    again = add(seller_api, plan.pk, product.pk, rate="15")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_in_plan"
    assert Term.objects.filter(plan_product__plan=plan).count() == 1


def test_a_product_of_another_shop_is_not_found(seller_api, plan, other_product):
    response = add(seller_api, plan.pk, other_product.pk, rate="10")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"


def test_a_change_is_a_new_version_and_a_cut_reaches_promoting_creators_later(
    seller_api, seller, shop, product
):
    entry = entry_of(open_plan_with(seller, shop, [product], rate="10"), product)

    raised = seller_api.patch(f"/affiliate/plan-products/{entry.pk}", {"rate": "15"})
    cut = seller_api.patch(f"/affiliate/plan-products/{entry.pk}", {"rate": "8.25"})

    assert raised.status_code == cut.status_code == 200
    versions = cut.json()["terms"]
    assert [(t["version"], t["rate"], t["is_cut"]) for t in versions] == [
        (1, "10.00", False),
        (2, "15.00", False),
        (3, "8.25", True),
    ]
    assert versions[1]["reaches_promoting_creators_at"] == versions[1]["effective_at"]
    latest = cut.json()["term"]
    assert latest["version"] == 3
    grace = timezone.datetime.fromisoformat(latest["reaches_promoting_creators_at"])
    assert grace - timezone.datetime.fromisoformat(latest["effective_at"]) == timedelta(days=30)


def test_removing_a_product_ends_it_and_lists_it_no_more(seller_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    entry = entry_of(plan, product)

    response = seller_api.delete(f"/affiliate/plan-products/{entry.pk}")

    assert response.status_code == 204
    entry.refresh_from_db()
    assert entry.removed_at is not None
    assert seller_api.get(f"/shops/{shop.pk}/affiliate/open-plan").json()["products"] == []
    assert seller_api.delete(f"/affiliate/plan-products/{entry.pk}").status_code == 404


# --- Targeted plans and creators ----------------------------------------------------------------


def test_a_targeted_plan_is_created_listed_and_ended(seller_api, shop, plan, product):
    created = seller_api.post(
        f"/shops/{shop.pk}/affiliate/plans", {"name": "Launch crew", "message": "Hi!"}
    )
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    add(seller_api, plan_id, product.pk, flat_fee="3.00")

    listed = seller_api.get(f"/shops/{shop.pk}/affiliate/plans").json()["items"]

    assert [(p["kind"], p["name"]) for p in listed] == [
        ("targeted", "Launch crew"),
        ("open", plan.name),
    ]
    assert listed[0]["products"][0]["term"]["flat_fee"] == "3.00"
    assert seller_api.delete(f"/affiliate/plans/{plan_id}").status_code == 204
    remaining = seller_api.get(f"/shops/{shop.pk}/affiliate/plans").json()["items"]
    assert [p["id"] for p in remaining] == [plan.pk]


def test_an_invitation_goes_to_any_handle_and_shows_its_status(seller_api, targeted, creator):
    response = seller_api.post(
        f"/affiliate/plans/{targeted.pk}/invitations", {"handle": f"@{creator.username}"}
    )

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "invited"
    assert response.json()["creator"] == {"id": creator.pk, "handle": creator.username}
    assert creator.notifications.filter(kind="plan_invitation").exists()
    unknown = seller_api.post(f"/affiliate/plans/{targeted.pk}/invitations", {"handle": "nobody"})
    assert unknown.status_code == 404


def test_requests_to_a_manual_plan_are_approved_or_declined(seller_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product], approval="manual")
    first, second = UserFactory(), UserFactory()
    asked = affiliate_services.join_plan(creator=first, plan_id=plan.pk)
    other = affiliate_services.join_plan(creator=second, plan_id=plan.pk)

    approved = seller_api.post(f"/affiliate/memberships/{asked.pk}/approve")
    declined = seller_api.post(f"/affiliate/memberships/{other.pk}/decline")

    assert approved.status_code == declined.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["joined_at"]
    assert declined.json()["status"] == "declined" and declined.json()["joined_at"] is None
    again = seller_api.post(f"/affiliate/memberships/{asked.pk}/decline")
    assert again.status_code == 409


def test_another_shops_staff_is_refused_on_every_endpoint(
    other_seller_api, seller, shop, product, targeted
):
    plan = open_plan_with(seller, shop, [product], approval="manual")
    entry = entry_of(plan, product)
    request = affiliate_services.join_plan(creator=UserFactory(), plan_id=plan.pk)
    calls = [
        ("get", f"/shops/{shop.pk}/affiliate/open-plan", None),
        ("put", f"/shops/{shop.pk}/affiliate/open-plan", {"approval": "auto"}),
        ("post", f"/shops/{shop.pk}/affiliate/plans", {"name": "Mine now"}),
        ("get", f"/shops/{shop.pk}/affiliate/plans", None),
        (
            "post",
            f"/affiliate/plans/{targeted.pk}/products",
            {"product_id": product.pk, "rate": "5"},
        ),
        ("patch", f"/affiliate/plan-products/{entry.pk}", {"rate": "1"}),
        ("delete", f"/affiliate/plan-products/{entry.pk}", None),
        ("post", f"/affiliate/plans/{targeted.pk}/invitations", {"handle": "other_seller"}),
        ("post", f"/affiliate/memberships/{request.pk}/approve", None),
        ("post", f"/affiliate/memberships/{request.pk}/decline", None),
        ("delete", f"/affiliate/plans/{targeted.pk}", None),
        ("get", f"/shops/{shop.pk}/affiliate/performance?by=creator&days=30", None),
    ]

    for method, path, body in calls:
        response = call(other_seller_api, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["error"]["code"] == "not_shop_staff"

    assert entry.terms.count() == 1 and Plan.objects.get(pk=targeted.pk).ended_at is None
    assert Membership.objects.get(pk=request.pk).status == "requested"


def test_the_api_needs_a_token(api, shop):
    assert api.get(f"/shops/{shop.pk}/affiliate/performance").status_code == 401


# --- Performance --------------------------------------------------------------------------------


@pytest.fixture
def sale(seller, shop, product, creator, shopper):
    """A creator in the open plan at 10% whose anchor click sold one $20.00 serum."""
    plan = open_plan_with(seller, shop, [product], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product, post_id=7)
    return buy_product(shopper, product)


def performance(api, shop, **query):
    query = {"by": "creator", "days": 30, **query}
    text = "&".join(f"{key}={value}" for key, value in query.items())
    response = api.get(f"/shops/{shop.pk}/affiliate/performance?{text}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_performance_per_creator_is_traced_to_touches_and_commissions(
    seller_api, shop, creator, shopper, product, sale
):
    stranger = UserFactory()
    affiliate_services.record_touch(
        actor=f"u:{stranger.pk}",
        creator_id=creator.pk,
        product_id=product.pk,
        kind=Touch.Kind.VIEW_COMPLETE,
        post_id=7,
    )
    anchor_click(stranger, creator, product, post_id=7)

    body = performance(seller_api, shop)

    row = {key: value for key, value in body["items"][0].items() if key != "product"}
    assert row == {
        "creator": {"id": creator.pk, "handle": "creator"},
        "clicks": 2,
        "views": 1,
        "orders": 1,
        "gmv": "20.00",
        "commission_owed": "2.00",
        "commission_paid": "0.00",
        "sample_posting": None,
    }
    assert body["totals"] == {key: row[key] for key in body["totals"]}
    assert body["currency"] == "USD" and body["next_cursor"] is None


def test_a_refund_of_half_the_line_halves_the_commission_owed(
    seller_api, seller, shop, product, sale
):
    line = sale.lines.get()
    order_services.refund_line(
        shop_id=shop.pk,
        order_id=sale.pk,
        line_id=line.pk,
        amount="10.00",
        actor=seller,
        reason="Damaged cap",
        key="half",
    )

    by_creator = performance(seller_api, shop)["items"][0]
    by_product = performance(seller_api, shop, by="product")["items"][0]

    assert by_creator["commission_owed"] == by_product["commission_owed"] == "1.00"
    assert by_creator["gmv"] == "20.00" and by_creator["orders"] == 1
    assert by_product["product"] == {"id": product.pk, "title": "Glow serum"}


def test_paid_and_cancelled_commission_is_not_owed(seller_api, shop, shopper, product, sale):
    Commission.objects.filter(order=sale).update(status="paid")
    cancelled = buy_product(shopper, product)
    order_services.cancel_order(order_id=cancelled.pk, actor=shopper, reason="Changed my mind")

    totals = performance(seller_api, shop)["totals"]

    assert totals["commission_paid"] == "2.00"
    assert totals["commission_owed"] == "0.00"
    assert totals["orders"] == 2 and totals["gmv"] == "40.00"


def test_the_period_leaves_out_older_touches_and_commissions(seller_api, shop, sale):
    long_ago = timezone.now() - timedelta(days=45)
    Commission.objects.update(earned_at=long_ago)
    Touch.objects.update(first_at=long_ago, last_at=long_ago)

    assert performance(seller_api, shop, days=30)["items"] == []
    assert performance(seller_api, shop, days=90)["totals"]["gmv"] == "20.00"


def test_another_shops_sales_are_not_counted(seller_api, other_seller, other_shop, shop, sale):
    other = make_product(shop=other_shop, title="Novel")
    buyer, promoter = UserFactory(), UserFactory()
    plan = open_plan_with(other_seller, other_shop, [other])
    affiliate_services.join_plan(creator=promoter, plan_id=plan.pk)
    anchor_click(buyer, promoter, other)
    buy_product(buyer, other)

    body = performance(seller_api, shop)

    assert [row["creator"]["handle"] for row in body["items"]] == ["creator"]
    assert body["totals"]["gmv"] == "20.00"


def test_rows_are_sorted_and_paged_with_a_cursor(seller_api, seller, shop, product, shopper):
    plan = open_plan_with(seller, shop, [product])
    creators = [UserFactory(username=f"maker{n}") for n in range(3)]
    for clicks, person in enumerate(creators, start=1):
        affiliate_services.join_plan(creator=person, plan_id=plan.pk)
        for _ in range(clicks):
            anchor_click(UserFactory(), person, product)

    first = performance(seller_api, shop, sort="-clicks")
    by_name = performance(seller_api, shop, sort="name")

    assert [row["creator"]["handle"] for row in first["items"]] == ["maker2", "maker1", "maker0"]
    assert [row["creator"]["handle"] for row in by_name["items"]] == ["maker0", "maker1", "maker2"]
    page = seller_analytics.performance(shop_id=shop.pk, currency="USD", sort="-clicks", size=2)
    assert [row.label for row in page.rows] == ["maker2", "maker1"]
    rest = seller_analytics.performance(
        shop_id=shop.pk, currency="USD", sort="-clicks", size=2, cursor=page.next_cursor
    )
    assert [row.label for row in rest.rows] == ["maker0"] and rest.next_cursor is None


@pytest.mark.parametrize(
    "query, field", [({"by": "shop"}, "by"), ({"days": 10}, "days"), ({"sort": "x"}, "sort")]
)
def test_bad_performance_filters_are_refused(seller_api, shop, query, field):
    text = "&".join(f"{key}={value}" for key, value in query.items())
    response = seller_api.get(f"/shops/{shop.pk}/affiliate/performance?{text}")

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_the_sample_posting_rate_of_each_creator_is_shown(seller_api, shop, creator, sale):
    from clipcart.affiliate.models import SampleOffer, SampleRequest

    offer = SampleOffer.objects.create(
        shop=shop, product=sale.lines.get().product, quantity_limit=5
    )
    now = timezone.now()
    delivered = {"shipped_at": now, "delivered_at": now, "due_at": now}
    SampleRequest.objects.create(
        offer=offer, creator=creator, status="posted", posted_at=now, post_id=7, **delivered
    )
    SampleRequest.objects.create(offer=offer, creator=creator, status="overdue", **delivered)

    row = performance(seller_api, shop)["items"][0]

    assert row["sample_posting"] == {"posted": 1, "overdue": 1, "rate": "50.00"}


def test_performance_takes_a_fixed_number_of_queries(
    seller_api, seller, shop, product, django_assert_max_num_queries
):
    plan = open_plan_with(seller, shop, [product])
    for n in range(12):
        person = UserFactory()
        affiliate_services.join_plan(creator=person, plan_id=plan.pk)
        buyer = UserFactory()
        anchor_click(buyer, person, product)
        if n % 2:
            buy_product(buyer, product)

    with django_assert_max_num_queries(4):
        report = seller_analytics.performance(shop_id=shop.pk, currency="USD")

    assert len(report.rows) == 12 and report.totals.orders == 6
    assert report.totals.gmv == Decimal("120.00")
