"""The creator side of collaborations through /api/v1: the marketplace, joining, invitations,
the creator's plans with the terms in force for them, the storefront and share links."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Membership, StorefrontItem
from clipcart.affiliate.services import storefront as storefront_services
from clipcart.catalog.models import Category, Product

from ..conftest import ApiClient
from ..factories import UserFactory, make_product, make_shop
from .helpers import entry_of, open_plan_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator_api(creator):
    return ApiClient(creator)


def targeted_plan(seller, shop, products, *, rate="20", flat_fee=None, invite=()):
    plan = affiliate_services.create_targeted_plan(user=seller, shop_id=shop.pk, name="VIP")
    offer = affiliate_services.check_offer(
        rate=None if flat_fee else rate, flat_fee=flat_fee, kind="targeted"
    )
    for product in products:
        affiliate_services.add_product(
            user=seller, plan_id=plan.pk, product_id=product.pk, offer=offer
        )
    for creator in invite:
        affiliate_services.invite(user=seller, plan_id=plan.pk, handle=creator.username)
    return plan


def change_rate(seller, entry, rate: str):
    offer = affiliate_services.check_offer(rate=rate, kind="open")
    return affiliate_services.change_term(user=seller, plan_product_id=entry.pk, offer=offer)


def ids(answer) -> list[int]:
    return [item["product"]["id"] for item in answer.json()["items"]]


def all_pages(client, path: str) -> list[int]:
    seen, cursor = [], None
    for _ in range(20):
        answer = client.get(path + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status_code == 200, answer.json()
        seen += ids(answer)
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


# --- Marketplace --------------------------------------------------------------------------------


def test_marketplace_lists_products_of_live_open_plans_with_the_rate_for_a_new_joiner(
    creator_api, seller, shop, product
):
    open_plan_with(seller, shop, [product], rate="12.5", approval="manual")

    answer = creator_api.get("/affiliate/marketplace")

    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert item["product"]["id"] == product.pk
    assert item["product"]["title"] == "Glow serum"
    assert item["product"]["shop"] == {"id": shop.pk, "name": "Glow Lab"}
    assert item["product"]["price"] == "20.00"
    assert item["rate"] == "12.50"
    assert item["approval"] == "manual"
    assert item["membership"] is None
    assert item["my_term"] is None
    assert answer.json()["next_cursor"] is None


def test_marketplace_leaves_out_removed_ended_targeted_unlisted_and_own_products(
    creator, creator_api, seller, shop, product, other_seller, other_shop, other_product
):
    removed = make_product(shop=shop, title="Removed balm")
    draft = make_product(shop=shop, title="Draft mask")
    plan = open_plan_with(seller, shop, [product, removed, draft])
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, removed).pk)
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)
    targeted_plan(seller, shop, [make_product(shop=shop, title="VIP only")])
    ended = open_plan_with(other_seller, other_shop, [other_product])
    affiliate_services.end_plan(user=other_seller, plan_id=ended.pk)
    creators_shop_product = make_product(shop=make_shop(owner=creator), title="My own candle")
    open_plan_with(creator, creators_shop_product.shop, [creators_shop_product])

    assert ids(creator_api.get("/affiliate/marketplace")) == [product.pk]


def test_a_product_added_again_after_removal_is_listed_once_with_its_new_rate(
    creator_api, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product], rate="10")
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, product).pk)
    offer = affiliate_services.check_offer(rate="15", kind="open")
    affiliate_services.add_product(user=seller, plan_id=plan.pk, product_id=product.pk, offer=offer)

    items = creator_api.get("/affiliate/marketplace").json()["items"]

    assert [(i["product"]["id"], i["rate"]) for i in items] == [(product.pk, "15.00")]


def test_marketplace_filters_by_category_minimum_rate_and_words(creator_api, seller, shop):
    beauty = Category.objects.create(name="Beauty", slug="beauty")
    skincare = Category.objects.create(name="Skincare", slug="skincare", parent=beauty)
    books = Category.objects.create(name="Books", slug="books")
    serum = make_product(shop=shop, title="Vitamin serum", category_id=skincare.pk)
    lipstick = make_product(shop=shop, title="Matte lipstick", category_id=beauty.pk)
    novel = make_product(shop=shop, title="Cozy novel", category_id=books.pk)
    plan = open_plan_with(seller, shop, [serum, lipstick], rate="20")
    offer = affiliate_services.check_offer(rate="5", kind="open")
    affiliate_services.add_product(user=seller, plan_id=plan.pk, product_id=novel.pk, offer=offer)

    by_category = ids(creator_api.get("/affiliate/marketplace?category=beauty"))
    by_rate = ids(creator_api.get("/affiliate/marketplace?min_rate=10"))
    by_words = ids(creator_api.get("/affiliate/marketplace?q=serum"))
    combined = ids(creator_api.get("/affiliate/marketplace?category=books&min_rate=10"))

    assert sorted(by_category) == sorted([serum.pk, lipstick.pk])  # a parent takes its children
    assert sorted(by_rate) == sorted([serum.pk, lipstick.pk])
    assert by_words == [serum.pk]
    assert combined == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_rate=abc", "min_rate"),
        ("min_rate=81", "min_rate"),
        ("sort=cheapest", "sort"),
        ("cursor=nonsense", "cursor"),
    ],
)
def test_bad_marketplace_filters_are_422_naming_the_field(
    creator_api, seller, shop, product, query, field
):
    open_plan_with(seller, shop, [product])

    answer = creator_api.get(f"/affiliate/marketplace?{query}")

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field


@pytest.fixture
def many(seller, shop):
    """Five products at rates 10, 30, 20, 30, 5, added in that order."""
    products = []
    plan = affiliate_services.open_plan(user=seller, shop_id=shop.pk)
    for n, rate in enumerate(["10", "30", "20", "30", "5"]):
        product = make_product(shop=shop, title=f"Item {n}")
        offer = affiliate_services.check_offer(rate=rate, kind="open")
        affiliate_services.add_product(
            user=seller, plan_id=plan.pk, product_id=product.pk, offer=offer
        )
        products.append(product)
    return products


def test_marketplace_pages_through_newest_first_without_gaps_or_repeats(creator_api, many):
    seen = all_pages(creator_api, "/affiliate/marketplace?limit=2")

    assert seen == [p.pk for p in reversed(many)]


def test_marketplace_sorted_by_rate_pages_through_best_paid_first(creator_api, many):
    seen = all_pages(creator_api, "/affiliate/marketplace?sort=rate&limit=2")

    # Equal rates: the newer first.
    assert seen == [many[3].pk, many[1].pk, many[2].pk, many[0].pk, many[4].pk]


def test_marketplace_answers_in_a_fixed_number_of_queries(creator, creator_api, seller, shop):
    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            answer = creator_api.get(f"/affiliate/marketplace?limit={limit}")
        assert len(answer.json()["items"]) == limit
        return len(queries)

    products = [make_product(shop=shop, title=f"Item {n}") for n in range(8)]
    plan = open_plan_with(seller, shop, products)
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    creator_api.get("/me/storefront")  # the token's last use is written once a minute

    assert count(8) == count(2)


def test_marketplace_says_whether_the_caller_may_join_open_plans(
    settings, creator_api, seller, shop, product
):
    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    open_plan_with(seller, shop, [product])

    eligibility = creator_api.get("/affiliate/marketplace").json()["eligibility"]

    assert eligibility == {"eligible": False, "followers": 0, "min_followers": 1000}


# --- Joining ------------------------------------------------------------------------------------


def test_joining_an_automatic_plan_approves_at_once_and_shows_as_joined(
    creator, creator_api, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product], rate="10")

    answer = creator_api.post(f"/affiliate/plans/{plan.pk}/join")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "approved"
    assert body["plan"]["shop"]["name"] == "Glow Lab"
    assert body["products"][0]["term"]["rate"] == "10.00"
    assert body["products"][0]["pays"] is True
    [item] = creator_api.get("/affiliate/marketplace").json()["items"]
    assert item["membership"] == {"id": body["id"], "status": "approved"}
    assert item["my_term"]["description"] == "10%"


def test_manual_approval_leaves_the_membership_waiting_and_tells_the_seller(
    creator, creator_api, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product], approval="manual")

    answer = creator_api.post(f"/affiliate/products/{product.pk}/join")

    assert answer.status_code == 200
    assert answer.json()["status"] == "requested"
    assert Membership.objects.get(pk=answer.json()["id"]).joined_at is None
    assert Notification.objects.filter(user=seller, message__contains="asked to join").exists()
    [item] = creator_api.get("/affiliate/marketplace").json()["items"]
    assert item["membership"]["status"] == "requested"
    assert item["my_term"] is None  # nothing is earned while waiting
    waiting = creator_api.get("/me/collaborations?status=requested").json()["items"]
    assert [w["plan"]["id"] for w in waiting] == [plan.pk]


def test_joining_for_a_product_never_in_a_plan_is_409_not_in_plan(creator_api, product):
    answer = creator_api.post(f"/affiliate/products/{product.pk}/join")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_in_plan"


def test_joining_for_a_product_removed_from_its_plan_is_409_not_in_plan(
    creator, creator_api, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product])
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, product).pk)

    answer = creator_api.post(f"/affiliate/products/{product.pk}/join")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_in_plan"
    assert not Membership.objects.filter(creator=creator).exists()


def test_joining_an_ended_plan_is_404(creator_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    affiliate_services.end_plan(user=seller, plan_id=plan.pk)

    answer = creator_api.post(f"/affiliate/plans/{plan.pk}/join")

    assert answer.status_code == 404


def test_a_seller_cannot_join_their_own_shops_plan(seller_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])

    answer = seller_api.post(f"/affiliate/plans/{plan.pk}/join")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "own_shop"


def test_a_creator_below_the_follower_minimum_is_refused_with_a_clear_message(
    settings, creator, creator_api, seller, shop, product
):
    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    plan = open_plan_with(seller, shop, [product])

    by_plan = creator_api.post(f"/affiliate/plans/{plan.pk}/join")
    by_product = creator_api.post(f"/affiliate/products/{product.pk}/join")

    for answer in (by_plan, by_product):
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == "not_eligible"
        assert "1,000 followers" in error["message"]
        assert "you have 0" in error["message"]
    assert not Membership.objects.filter(creator=creator).exists()


def test_a_targeted_invitation_still_works_below_the_follower_minimum(
    settings, creator, creator_api, seller, shop, product
):
    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    targeted_plan(seller, shop, [product], rate="25", invite=[creator])
    invitation = Membership.objects.get(creator=creator)

    answer = creator_api.post(f"/affiliate/memberships/{invitation.pk}/accept")

    assert answer.status_code == 200
    assert answer.json()["status"] == "approved"
    assert answer.json()["products"][0]["term"]["rate"] == "25.00"


def test_declining_an_invitation_and_answering_twice(creator, creator_api, seller, shop, product):
    targeted_plan(seller, shop, [product], invite=[creator])
    invitation = Membership.objects.get(creator=creator)

    declined = creator_api.post(f"/affiliate/memberships/{invitation.pk}/reject")
    again = creator_api.post(f"/affiliate/memberships/{invitation.pk}/accept")

    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"


def test_another_creators_membership_is_404_for_every_action(
    creator, creator_api, seller, shop, product
):
    someone = UserFactory(username="someone")
    targeted_plan(seller, shop, [product], invite=[someone])
    theirs = Membership.objects.get(creator=someone)

    for action in ("accept", "reject", "leave"):
        answer = creator_api.post(f"/affiliate/memberships/{theirs.pk}/{action}")
        assert answer.status_code == 404, action
        assert answer.json()["error"]["code"] == "membership_not_found"
    assert Membership.objects.get(pk=theirs.pk).status == "invited"


def test_leaving_a_plan_stops_the_earning(creator, creator_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)

    answer = creator_api.post(f"/affiliate/memberships/{membership.pk}/leave")

    assert answer.status_code == 200
    assert answer.json()["status"] == "left"
    [item] = creator_api.get("/affiliate/marketplace").json()["items"]
    assert item["my_term"] is None
    assert creator_api.get("/me/collaborations").json()["items"] == []


def test_the_api_needs_a_bearer_token(api):
    assert api.get("/affiliate/marketplace").status_code == 401
    assert api.get("/me/collaborations").status_code == 401
    assert api.post("/me/storefront", {"product_id": 1}).status_code == 401


# --- My collaborations --------------------------------------------------------------------------


def test_my_collaborations_show_invitations_with_what_they_pay(
    creator, creator_api, seller, shop, product
):
    plan = targeted_plan(seller, shop, [product], flat_fee="3.00", invite=[creator])

    [invitation] = creator_api.get("/me/collaborations?status=invited").json()["items"]

    assert invitation["plan"]["id"] == plan.pk
    assert invitation["plan"]["kind"] == "targeted"
    term = invitation["products"][0]["term"]
    assert (term["flat_fee"], term["currency"], term["rate"]) == ("3.00", "USD", None)


def test_a_cut_shows_the_rate_in_force_for_me_and_when_it_changes(
    creator, creator_api, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product], rate="10")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    cut = change_rate(seller, entry_of(plan, product), "6")

    [collab] = creator_api.get("/me/collaborations").json()["items"]
    [market] = creator_api.get("/affiliate/marketplace").json()["items"]

    row = collab["products"][0]
    assert row["term"]["rate"] == "10.00"  # kept for the grace period
    [change] = row["upcoming"]
    assert change["term"]["rate"] == "6.00"
    expected = cut.effective_at + timedelta(days=30)
    # The API writes times to the millisecond.
    expected = expected.replace(microsecond=expected.microsecond // 1000 * 1000)
    assert datetime.fromisoformat(change["starts_at"]) == expected
    assert market["rate"] == "6.00"  # a creator joining now gets the cut rate at once
    assert market["my_term"]["rate"] == "10.00"


def test_a_targeted_plan_overrides_the_open_plan_for_me(
    creator, creator_api, seller, shop, product
):
    open_plan = open_plan_with(seller, shop, [product], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=open_plan.pk)
    targeted = targeted_plan(seller, shop, [product], rate="30", invite=[creator])
    invitation = Membership.objects.get(creator=creator, plan=targeted)
    affiliate_services.answer_invitation(creator=creator, membership_id=invitation.pk, accept=True)

    items = creator_api.get("/me/collaborations?status=approved").json()["items"]

    pays = {c["plan"]["kind"]: c["products"][0]["pays"] for c in items}
    assert pays == {"targeted": True, "open": False}


def test_my_collaborations_never_show_another_creators(creator, creator_api, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    someone = UserFactory(username="someone")
    affiliate_services.join_plan(creator=someone, plan_id=plan.pk)

    assert creator_api.get("/me/collaborations").json()["items"] == []
    assert creator_api.get("/me/collaborations?status=bogus").status_code == 422


# --- Storefront ---------------------------------------------------------------------------------


def test_storefront_adds_reorders_and_removes(creator_api, shop, product, other_product):
    third = make_product(shop=shop, title="Third")

    for p in (product, other_product, third):
        assert creator_api.post("/me/storefront", {"product_id": p.pk}).status_code == 201
    moved = creator_api.post("/me/storefront", {"product_id": third.pk, "position": 0})
    removed = creator_api.delete(f"/me/storefront/{other_product.pk}")

    order = [i["product_id"] for i in moved.json()["items"]]
    assert order == [third.pk, product.pk, other_product.pk]
    assert [(i["product_id"], i["position"]) for i in removed.json()["items"]] == [
        (third.pk, 0),
        (product.pk, 1),
    ]
    assert creator_api.get("/me/storefront").json()["max_items"] == 50


def test_adding_a_product_twice_keeps_it_once(creator, creator_api, product):
    creator_api.post("/me/storefront", {"product_id": product.pk})
    creator_api.post("/me/storefront", {"product_id": product.pk})

    assert StorefrontItem.objects.filter(creator=creator).count() == 1


def test_storefront_refuses_unknown_unlisted_and_the_fifty_first_product(
    creator, creator_api, shop, product
):
    draft = make_product(shop=shop, title="Draft")
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)
    for n in range(50):
        storefront_services.place_item(
            creator=creator, product_id=make_product(shop=shop, title=f"P{n}").pk
        )

    full = creator_api.post("/me/storefront", {"product_id": product.pk})
    unknown = creator_api.post("/me/storefront", {"product_id": 999999})
    unlisted = creator_api.post("/me/storefront", {"product_id": draft.pk})
    not_there = creator_api.delete(f"/me/storefront/{product.pk}")
    bad_position = creator_api.post("/me/storefront", {"product_id": product.pk, "position": -1})

    assert (full.status_code, full.json()["error"]["code"]) == (409, "storefront_full")
    assert unknown.status_code == 404
    assert unlisted.status_code == 404
    assert not_there.status_code == 404
    assert bad_position.status_code == 422
    assert StorefrontItem.objects.filter(creator=creator).count() == 50


def test_storefront_says_which_products_earn_commission(
    creator, creator_api, seller, shop, product, other_product
):
    plan = open_plan_with(seller, shop, [product])
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    creator_api.post("/me/storefront", {"product_id": product.pk})
    creator_api.post("/me/storefront", {"product_id": other_product.pk})

    items = creator_api.get("/me/storefront").json()["items"]

    assert {i["product_id"]: i["earns_commission"] for i in items} == {
        product.pk: True,
        other_product.pk: False,
    }


# --- Share links --------------------------------------------------------------------------------


def test_a_share_link_carries_my_ref_code_for_any_product(creator, creator_api, other_product):
    first = creator_api.post(f"/products/{other_product.pk}/share-link")
    second = creator_api.post(f"/products/{other_product.pk}/share-link")

    assert first.status_code == 200
    creator.refresh_from_db()
    assert first.json()["ref"] == creator.ref_code
    assert first.json()["url"] == f"http://testserver/p/{other_product.pk}/?ref={creator.ref_code}"
    assert second.json() == first.json()


def test_a_share_link_for_an_unknown_product_is_404(creator_api):
    answer = creator_api.post("/products/999999/share-link")

    assert answer.status_code == 404


def test_the_marketplace_rate_is_a_decimal_string(creator_api, seller, shop, product):
    open_plan_with(seller, shop, [product], rate="7.25")

    [item] = creator_api.get("/affiliate/marketplace").json()["items"]

    assert Decimal(item["rate"]) == Decimal("7.25")
