"""The seller's affiliate pages: the open plan with every version of its terms, creators asking
to join, targeted plans with invitations, and performance traced to the sales behind it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, Membership, Plan, PlanProduct
from clipcart.orders import services as order_services
from tests.affiliate.helpers import anchor_click, buy_product, entry_of, open_plan_with
from tests.factories import UserFactory, make_product

pytestmark = pytest.mark.django_db


def url(name: str, shop, *args) -> str:
    return reverse(f"web:{name}", args=[shop.pk, *args])


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def plan(seller, shop, product):
    return open_plan_with(seller, shop, [product], rate="10")


# --- The open plan ------------------------------------------------------------------------------


def test_without_a_plan_the_page_explains_and_opens_one(seller_client, shop):
    page = seller_client.get(url("seller_affiliate", shop))

    assert page.status_code == 200
    assert "Let creators sell for you" in html_of(page)

    response = seller_client.post(url("seller_affiliate_open_plan", shop), {"approval": "manual"})

    assert response.status_code == 302 and response["Location"] == url("seller_affiliate", shop)
    plan = Plan.objects.get(shop=shop, kind="open")
    assert plan.approval == "manual"
    assert "add the products creators may promote" in html_of(
        seller_client.get(response["Location"])
    )


def test_the_plan_shows_each_products_term_with_its_version_history(
    seller_client, seller, shop, product, plan
):
    entry = entry_of(plan, product)
    affiliate_services.change_term(
        user=seller, plan_product_id=entry.pk, offer=affiliate_services.Offer(rate=Decimal("15"))
    )

    html = html_of(seller_client.get(url("seller_affiliate", shop)))

    assert "Glow serum" in html and "Term history" in html
    assert "v1" in html and "v2" in html and "10%" in html and "15%" in html
    assert "30 days" in html and "told 2 days before" in html  # the rules of changes


@pytest.mark.parametrize(
    "rate, message",
    [
        ("0", "The rate must be between 1% and 80%."),
        ("81", "The rate must be between 1% and 80%."),
        ("abc", "The rate must be a number such as 12.5."),
        ("12.345", "The rate can have at most two decimals."),
        ("", "Give either a commission rate or a flat fee."),
    ],
)
def test_a_bad_rate_shows_its_message_next_to_the_rate(
    seller_client, seller, shop, product, rate, message
):
    plan = affiliate_services.open_plan(user=seller, shop_id=shop.pk)

    response = seller_client.post(
        url("seller_affiliate_add_product", shop, plan.pk), {"product_id": product.pk, "rate": rate}
    )

    assert response.status_code == 422
    assert response.context["add_form"].errors["rate"] == [message]
    assert message in html_of(response)
    assert not PlanProduct.objects.filter(plan=plan).exists()


def test_a_product_is_added_with_a_rate(seller_client, seller, shop, product):
    plan = affiliate_services.open_plan(user=seller, shop_id=shop.pk)

    response = seller_client.post(
        url("seller_affiliate_add_product", shop, plan.pk),
        {"product_id": product.pk, "rate": "12.5"},
    )

    assert response.status_code == 302
    term = entry_of(plan, product).terms.get()
    assert term.rate == Decimal("12.50") and term.version == 1
    assert "12.5%" in html_of(seller_client.get(response["Location"]))


def test_adding_a_product_already_in_the_plan_is_a_conflict(seller_client, shop, product, plan):
    response = seller_client.post(
        url("seller_affiliate_add_product", shop, plan.pk), {"product_id": product.pk, "rate": "20"}
    )

    assert response.status_code == 409
    assert "already in the plan" in html_of(response)


def test_a_cut_tells_the_seller_who_keeps_the_old_rate_until_when(
    seller_client, shop, product, plan, creator
):
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    entry = entry_of(plan, product)

    response = seller_client.post(
        url("seller_affiliate_term", shop, entry.pk), {"rate": "8"}, follow=True
    )

    html = html_of(response)
    assert "pays 8% to creators who join from now" in html
    assert "keep 10% until" in html and "told 2 days before" in html
    assert list(entry.terms.values_list("version", "rate")) == [
        (1, Decimal("10.00")),
        (2, Decimal("8.00")),
    ]


def test_a_rate_change_with_htmx_swaps_just_the_row(seller_client, shop, product, plan):
    entry = entry_of(plan, product)

    raised = seller_client.post(
        url("seller_affiliate_term", shop, entry.pk), {"rate": "20"}, headers={"HX-Request": "true"}
    )
    refused = seller_client.post(
        url("seller_affiliate_term", shop, entry.pk), {"rate": "81"}, headers={"HX-Request": "true"}
    )

    assert raised.status_code == 200
    assert "<html" not in html_of(raised) and f'id="entry-{entry.pk}"' in html_of(raised)
    assert "now pays 20% to every creator" in html_of(raised)
    assert refused.status_code == 422
    assert "The rate must be between 1% and 80%." in html_of(refused)
    assert entry.terms.count() == 2


def test_a_bad_rate_change_without_js_shows_the_page_with_the_error(
    seller_client, shop, product, plan
):
    entry = entry_of(plan, product)

    response = seller_client.post(url("seller_affiliate_term", shop, entry.pk), {"rate": "abc"})

    assert response.status_code == 422
    assert response.context["bad_entry_id"] == entry.pk
    assert "The rate must be a number such as 12.5." in html_of(response)


def test_removing_a_product_ends_it_at_once(seller_client, shop, product, plan):
    entry = entry_of(plan, product)
    page = html_of(seller_client.get(url("seller_affiliate", shop)))
    assert "for <strong>every creator at once</strong>" in page

    response = seller_client.post(url("seller_affiliate_remove", shop, entry.pk), follow=True)

    entry.refresh_from_db()
    assert entry.removed_at is not None
    assert "earns no creator commission from now on" in html_of(response)


# --- Creators -----------------------------------------------------------------------------------


def test_join_requests_are_approved_and_declined(seller_client, seller, shop, product):
    plan = open_plan_with(seller, shop, [product], approval="manual")
    asking, other = UserFactory(username="asker"), UserFactory(username="hopeful")
    first = affiliate_services.join_plan(creator=asking, plan_id=plan.pk)
    second = affiliate_services.join_plan(creator=other, plan_id=plan.pk)
    page = html_of(seller_client.get(url("seller_affiliate_creators", shop)))
    assert "@asker" in page and "@hopeful" in page and "Approve" in page

    approved = seller_client.post(
        url("seller_affiliate_decide", shop, first.pk), {"decision": "approve"}
    )
    declined = seller_client.post(
        url("seller_affiliate_decide", shop, second.pk),
        {"decision": "decline"},
        headers={"HX-Request": "true"},
    )

    assert approved.status_code == 302
    assert declined.status_code == 200 and "Declined" in html_of(declined)
    assert Membership.objects.get(pk=first.pk).status == "approved"
    assert Membership.objects.get(pk=second.pk).status == "declined"
    members = html_of(seller_client.get(url("seller_affiliate_creators", shop)))
    assert "Promoting your products" in members and "@asker" in members
    assert "No requests waiting" in members


def test_the_creators_page_without_creators_says_how_they_come(seller_client, shop):
    html = html_of(seller_client.get(url("seller_affiliate_creators", shop)))

    assert "No creators yet" in html and "No requests waiting" in html


# --- Targeted plans -----------------------------------------------------------------------------


def test_a_targeted_plan_takes_a_flat_fee_invitations_and_ends(seller_client, shop, product):
    invited = UserFactory(username="tiny_creator")
    created = seller_client.post(
        url("seller_affiliate_targeted", shop), {"name": "Launch crew", "message": "Welcome!"}
    )
    plan = Plan.objects.get(shop=shop, kind="targeted")
    assert created["Location"] == url("seller_affiliate_plan", shop, plan.pk)

    seller_client.post(
        url("seller_affiliate_add_product", shop, plan.pk),
        {"product_id": product.pk, "flat_fee": "3.50"},
    )
    seller_client.post(url("seller_affiliate_invite", shop, plan.pk), {"handle": "@tiny_creator"})
    page = html_of(seller_client.get(created["Location"]))

    assert "3.50 USD per unit" in page and "@tiny_creator" in page and "Invited" in page
    assert Membership.objects.get(plan=plan, creator=invited).status == "invited"
    listing = html_of(seller_client.get(url("seller_affiliate_targeted", shop)))
    assert "Launch crew" in listing and "1 invited" in listing

    ended = seller_client.post(url("seller_affiliate_end_plan", shop, plan.pk))

    assert ended["Location"] == url("seller_affiliate_targeted", shop)
    assert Plan.objects.get(pk=plan.pk).ended_at is not None
    assert seller_client.get(url("seller_affiliate_plan", shop, plan.pk)).status_code == 404


def test_inviting_an_unknown_handle_says_so_on_the_page(seller_client, seller, shop):
    plan = affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIPs")

    response = seller_client.post(
        url("seller_affiliate_invite", shop, plan.pk), {"handle": "ghost"}
    )

    assert response.status_code == 404
    assert "No such creator." in html_of(response)


def test_no_targeted_plans_shows_what_they_are(seller_client, shop):
    html = html_of(seller_client.get(url("seller_affiliate_targeted", shop)))

    assert "No targeted plans" in html and "New targeted plan" in html


# --- Performance --------------------------------------------------------------------------------


@pytest.fixture
def sale(seller, shop, product, plan, creator, shopper):
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product)
    return buy_product(shopper, product)


def test_performance_shows_each_creators_figures(seller_client, seller, shop, creator, sale):
    line = sale.lines.get()
    order_services.refund_line(
        shop_id=shop.pk,
        order_id=sale.pk,
        line_id=line.pk,
        amount="10.00",
        actor=seller,
        reason="Half",
        key="half",
    )

    response = seller_client.get(url("seller_affiliate_performance", shop) + "?days=7")

    assert response.status_code == 200
    report = response.context["report"]
    row = report.rows[0]
    assert (row.label, row.figures.clicks, row.figures.orders) == ("creator", 1, 1)
    assert (row.figures.gmv, row.figures.owed) == (Decimal("20.00"), Decimal("1.00"))
    html = html_of(response)
    assert "@creator" in html and "$20.00" in html and "$1.00" in html
    assert "—" in html  # no sample due yet: no posting rate, which is not 0%
    assert 'aria-sort="descending"' in html  # sorted by GMV, biggest first


def test_performance_per_product_links_to_the_sales_behind_it(seller_client, shop, product, sale):
    html = html_of(seller_client.get(url("seller_affiliate_performance", shop) + "?by=product"))

    commissions = url("seller_affiliate_commissions", shop)
    assert f"{commissions}?days=30&product={product.pk}" in html

    sales = seller_client.get(f"{commissions}?days=30&product={product.pk}")

    assert sales.status_code == 200
    commission = Commission.objects.get(order=sale)
    assert list(sales.context["page"].items) == [commission]
    assert f"#{sale.pk}" in html_of(sales) and "Anchor click in a video" in html_of(sales)


def test_the_sales_link_each_receipt_when_the_receipt_page_exists(seller_client, shop, sale):
    html = html_of(seller_client.get(url("seller_affiliate_commissions", shop)))

    commission = Commission.objects.get(order=sale)
    try:
        receipt = reverse("web:commission_receipt", args=[commission.pk])
    except NoReverseMatch:  # the earnings pages are not there yet: the table still shows
        assert "Receipt" not in html.split("<tbody>")[1]
    else:
        assert receipt in html


def test_performance_without_activity_tells_the_seller_how_to_start(seller_client, shop):
    response = seller_client.get(url("seller_affiliate_performance", shop))

    assert response.status_code == 200
    assert "No creator activity in this period" in html_of(response)
    assert url("seller_affiliate", shop) in html_of(response)
    empty_sales = html_of(seller_client.get(url("seller_affiliate_commissions", shop)))
    assert "No sales through creators here" in empty_sales


def test_a_hand_edited_filter_falls_back_to_the_default(seller_client, shop, sale):
    response = seller_client.get(url("seller_affiliate_performance", shop) + "?days=12&sort=zz")

    assert response.status_code == 200
    assert response.context["report"].days == 30 and response.context["report"].sort == "-gmv"


def test_the_performance_page_takes_a_fixed_number_of_queries(
    seller_client, seller, shop, product, plan, django_assert_max_num_queries
):
    for _ in range(8):
        person = UserFactory()
        affiliate_services.join_plan(creator=person, plan_id=plan.pk)
        buyer = UserFactory()
        anchor_click(buyer, person, product)
        buy_product(buyer, product)

    with django_assert_max_num_queries(12):
        response = seller_client.get(url("seller_affiliate_performance", shop))

    assert len(response.context["report"].rows) == 8


def test_the_plan_page_takes_a_fixed_number_of_queries(
    seller_client, seller, shop, django_assert_max_num_queries
):
    products = [make_product(shop=shop, title=f"Candle {n}") for n in range(6)]
    plan = open_plan_with(seller, shop, products)
    for entry in plan.plan_products.all():
        affiliate_services.change_term(
            user=seller,
            plan_product_id=entry.pk,
            offer=affiliate_services.Offer(rate=Decimal("20")),
        )

    with django_assert_max_num_queries(14):
        response = seller_client.get(url("seller_affiliate", shop))

    assert len(response.context["entries"]) == 6


# --- Who may see these pages --------------------------------------------------------------------


def test_nobody_but_shop_staff_sees_or_changes_the_affiliate_pages(
    client, other_seller, seller, shop, product, plan
):
    entry = entry_of(plan, product)
    affiliate_services.open_plan(user=seller, shop_id=shop.pk, approval="manual")
    request = affiliate_services.join_plan(creator=UserFactory(), plan_id=plan.pk)
    targeted = affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIPs")
    pages = [
        url("seller_affiliate", shop),
        url("seller_affiliate_creators", shop),
        url("seller_affiliate_targeted", shop),
        url("seller_affiliate_plan", shop, targeted.pk),
        url("seller_affiliate_performance", shop),
        url("seller_affiliate_commissions", shop),
    ]
    posts = [
        (url("seller_affiliate_open_plan", shop), {"approval": "manual"}),
        (url("seller_affiliate_add_product", shop, plan.pk), {"product_id": product.pk}),
        (url("seller_affiliate_term", shop, entry.pk), {"rate": "1"}),
        (url("seller_affiliate_remove", shop, entry.pk), {}),
        (url("seller_affiliate_decide", shop, request.pk), {"decision": "approve"}),
        (url("seller_affiliate_targeted", shop), {"name": "Mine"}),
        (url("seller_affiliate_invite", shop, targeted.pk), {"handle": "seller"}),
        (url("seller_affiliate_end_plan", shop, targeted.pk), {}),
    ]
    outsider = Client()
    outsider.force_login(other_seller)

    for page in pages:
        assert outsider.get(page).status_code == 403, page
        assert client.get(page).status_code == 302, page  # to sign in
    for action, body in posts:
        assert outsider.post(action, body).status_code == 403, action

    assert entry.terms.count() == 1 and Plan.objects.get(pk=targeted.pk).ended_at is None
    assert Membership.objects.get(pk=request.pk).status == "requested"


def test_a_plan_of_another_shop_is_not_found_under_mine(
    seller_client, other_seller, other_shop, shop
):
    theirs = affiliate_services.create_targeted_plan(
        user=other_seller, shop_id=other_shop.pk, name="Theirs"
    )

    assert seller_client.get(url("seller_affiliate_plan", shop, theirs.pk)).status_code == 404
    response = seller_client.post(url("seller_affiliate_end_plan", shop, theirs.pk))
    assert response.status_code == 404
    assert Plan.objects.get(pk=theirs.pk).ended_at is None
