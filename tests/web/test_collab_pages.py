"""The creator's collaboration pages in the studio (marketplace, my collaborations, storefront
editor), the Storefront on /@handle and its tracked links."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Membership, StorefrontItem, Touch
from clipcart.affiliate.services import storefront as storefront_services
from clipcart.catalog.models import Category
from tests.affiliate.helpers import entry_of, open_plan_with
from tests.factories import UserFactory, make_product, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator_client(creator) -> Client:
    client = Client()
    client.force_login(creator)
    return client


def page(client, url: str, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, answer.content[:500]
    return answer.content.decode()


def invite(seller, shop, products, creator, *, rate="25"):
    plan = affiliate_services.create_targeted_plan(
        user=seller, shop_id=shop.pk, name="VIP list", message="Loved your haul videos!"
    )
    offer = affiliate_services.check_offer(rate=rate, kind="targeted")
    for product in products:
        affiliate_services.add_product(
            user=seller, plan_id=plan.pk, product_id=product.pk, offer=offer
        )
    return affiliate_services.invite(user=seller, plan_id=plan.pk, handle=creator.username)


MARKETPLACE = "/studio/collabs/"
MINE = "/studio/collabs/mine/"
STOREFRONT = "/studio/collabs/storefront/"


# --- Marketplace --------------------------------------------------------------------------------


def test_urls_have_the_names_the_studio_links_to():
    assert reverse("web:collabs") == MARKETPLACE
    assert reverse("web:collabs_mine") == MINE
    assert reverse("web:collabs_storefront") == STOREFRONT
    assert reverse("web:storefront_click", args=["maya", 7]) == "/@maya/shop/7/"


def test_the_pages_need_a_signed_in_user(client):
    for url in (MARKETPLACE, MINE, STOREFRONT):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/login/")


def test_marketplace_card_shows_rate_shop_price_and_approval(creator_client, seller, shop, product):
    open_plan_with(seller, shop, [product], rate="12.5", approval="manual")

    html = page(creator_client, MARKETPLACE)

    assert "Glow serum" in html
    assert "Glow Lab" in html
    assert "$20.00" in html
    assert "<strong>12.5%</strong> commission" in html
    assert "Seller approves" in html
    assert "Ask to join" in html


def test_marketplace_leaves_out_the_viewers_own_shop(seller_client, seller, shop, product):
    other = make_shop(owner=UserFactory(username="maker"), name="Maker Co")
    theirs = make_product(shop=other, title="Maker mug")
    open_plan_with(seller, shop, [product])
    open_plan_with(other.memberships.get().user, other, [theirs])

    html = page(seller_client, MARKETPLACE)

    assert "Maker mug" in html
    assert "Glow serum" not in html


def test_joining_from_the_marketplace_approves_and_shows_joined(
    creator, creator_client, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product])

    answer = creator_client.post(
        reverse("web:collabs_join", args=[plan.pk]), {"next": MARKETPLACE}, follow=True
    )

    assert Membership.objects.get(creator=creator, plan=plan).status == "approved"
    html = answer.content.decode()
    assert "You joined" in html
    assert ">Joined<" in html
    assert "Leave plan" in html


def test_joining_a_manual_plan_leaves_it_waiting_for_approval(
    creator, creator_client, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product], approval="manual")

    creator_client.post(reverse("web:collabs_join", args=[plan.pk]))

    assert Membership.objects.get(creator=creator, plan=plan).status == "requested"
    assert "Waiting for approval" in page(creator_client, MARKETPLACE)
    mine = page(creator_client, MINE)
    assert "Waiting for approval" in mine
    assert "Withdraw request" in mine


def test_below_the_follower_minimum_the_page_explains_instead_of_offering_join(
    settings, creator, creator_client, seller, shop, product
):
    settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS = 1000
    plan = open_plan_with(seller, shop, [product])

    html = page(creator_client, MARKETPLACE)
    refused = creator_client.post(reverse("web:collabs_join", args=[plan.pk]), follow=True)

    assert "Open plans need at least 1,000 followers. You have 0." in html
    assert "Needs 1,000 followers to join" in html
    assert reverse("web:collabs_join", args=[plan.pk]) not in html
    assert "Open plans need at least 1,000 followers; you have 0." in refused.content.decode()
    assert not Membership.objects.filter(creator=creator).exists()


def test_filters_narrow_the_marketplace_and_an_empty_result_says_so(creator_client, seller, shop):
    beauty = Category.objects.create(name="Beauty", slug="beauty")
    serum = make_product(shop=shop, title="Vitamin serum", category_id=beauty.pk)
    novel = make_product(shop=shop, title="Cozy novel")
    plan = open_plan_with(seller, shop, [serum], rate="20")
    offer = affiliate_services.check_offer(rate="5", kind="open")
    affiliate_services.add_product(user=seller, plan_id=plan.pk, product_id=novel.pk, offer=offer)

    by_category = page(creator_client, MARKETPLACE + "?category=beauty")
    by_rate = page(creator_client, MARKETPLACE + "?min_rate=10")
    by_words = page(creator_client, MARKETPLACE + "?q=novel")
    nothing = page(creator_client, MARKETPLACE + "?q=telescope")

    assert "Vitamin serum" in by_category and "Cozy novel" not in by_category
    assert "Vitamin serum" in by_rate and "Cozy novel" not in by_rate
    assert "Cozy novel" in by_words and "Vitamin serum" not in by_words
    assert "No products match" in nothing


def test_a_bad_minimum_rate_is_shown_on_the_form(creator_client, seller, shop, product):
    open_plan_with(seller, shop, [product])

    html = page(creator_client, MARKETPLACE + "?min_rate=500", status=422)

    assert "less than or equal to 80" in html
    assert "Glow serum" in html  # the other filters still apply


def test_an_empty_marketplace_says_what_will_show_up(creator_client):
    html = page(creator_client, MARKETPLACE)

    assert "Nothing open for collaboration yet" in html


def test_marketplace_pages_with_load_more(creator_client, seller, shop):
    products = [make_product(shop=shop, title=f"Gadget {n:02}") for n in range(30)]
    open_plan_with(seller, shop, products)

    first = page(creator_client, MARKETPLACE + "?sort=rate")
    cursor = first.split("cursor=")[1].split('"')[0]
    second = creator_client.get(
        MARKETPLACE + f"?sort=rate&cursor={cursor}", headers={"HX-Request": "true"}
    ).content.decode()

    shown = {f"Gadget {n:02}" for n in range(30) if f"Gadget {n:02}" in first}
    more = {f"Gadget {n:02}" for n in range(30) if f"Gadget {n:02}" in second}
    assert len(shown) == 24
    assert shown | more == {f"Gadget {n:02}" for n in range(30)}
    assert not shown & more
    assert "<html" not in second  # the cards alone, appended in place


def test_marketplace_page_queries_do_not_grow_with_the_cards(
    creator, creator_client, seller, shop, django_assert_max_num_queries
):
    products = [make_product(shop=shop, title=f"Item {n}") for n in range(20)]
    plan = open_plan_with(seller, shop, products)
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    creator_client.get(MARKETPLACE)  # the share code is made on the first visit

    with django_assert_max_num_queries(22):
        page(creator_client, MARKETPLACE)


def test_share_links_carry_my_ref_code(creator, creator_client, seller, shop, product):
    open_plan_with(seller, shop, [product])

    html = page(creator_client, MARKETPLACE)

    creator.refresh_from_db()
    assert f"http://testserver/p/{product.pk}/?ref={creator.ref_code}" in html
    assert "Copy link" in html


# --- My collaborations --------------------------------------------------------------------------


def test_my_collaborations_empty_state(creator_client):
    assert "No collaborations yet" in page(creator_client, MINE)


def test_an_invitation_is_accepted_from_my_collaborations(
    creator, creator_client, seller, shop, product
):
    invitation = invite(seller, shop, [product], creator, rate="25")

    before = page(creator_client, MINE)
    creator_client.post(reverse("web:collabs_accept", args=[invitation.pk]))
    after = page(creator_client, MINE)

    assert "Invitations" in before and "VIP list" in before
    assert "Loved your haul videos!" in before
    assert "Pays <strong>25%</strong>" in before
    assert Membership.objects.get(pk=invitation.pk).status == "approved"
    assert "Your plans" in after and "You earn <strong>25%</strong>" in after
    assert "Invitations" not in after


def test_an_invitation_is_declined(creator, creator_client, seller, shop, product):
    invitation = invite(seller, shop, [product], creator)

    answer = creator_client.post(reverse("web:collabs_decline", args=[invitation.pk]), follow=True)

    assert Membership.objects.get(pk=invitation.pk).status == "declined"
    assert "You declined VIP list." in answer.content.decode()


def test_another_creators_invitation_cannot_be_answered(creator_client, seller, shop, product):
    someone = UserFactory(username="someone")
    invitation = invite(seller, shop, [product], someone)

    answer = creator_client.post(reverse("web:collabs_accept", args=[invitation.pk]), follow=True)

    assert "No such invitation or membership." in answer.content.decode()
    assert Membership.objects.get(pk=invitation.pk).status == "invited"


def test_a_scheduled_cut_says_when_my_rate_changes(creator, creator_client, seller, shop, product):
    plan = open_plan_with(seller, shop, [product], rate="10")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    offer = affiliate_services.check_offer(rate="6", kind="open")
    cut = affiliate_services.change_term(
        user=seller, plan_product_id=entry_of(plan, product).pk, offer=offer
    )

    html = page(creator_client, MINE)

    when = timezone.localtime(cut.effective_at + timedelta(days=30))
    assert "You earn <strong>10%</strong>" in html
    assert f"Changes to <strong>6%</strong> on {when:%b} {when.day}, {when.year}" in html


def test_leaving_a_plan_from_my_collaborations(creator, creator_client, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)

    creator_client.post(reverse("web:collabs_leave", args=[membership.pk]))

    assert Membership.objects.get(pk=membership.pk).status == "left"
    assert "No collaborations yet" in page(creator_client, MINE)


# --- Storefront: editing ------------------------------------------------------------------------


def test_storefront_editor_adds_moves_and_removes(
    creator, creator_client, shop, product, other_product
):
    place = reverse("web:collabs_storefront_place")
    creator_client.post(place, {"product_id": product.pk})
    creator_client.post(place, {"product_id": other_product.pk})
    creator_client.post(place, {"product_id": other_product.pk, "position": 0})

    order = list(
        StorefrontItem.objects.filter(creator=creator).values_list("product_id", flat=True)
    )
    assert order == [other_product.pk, product.pk]
    html = page(creator_client, STOREFRONT)
    assert "2 of 50" in html

    creator_client.post(reverse("web:collabs_storefront_remove", args=[other_product.pk]))

    assert list(
        StorefrontItem.objects.filter(creator=creator).values_list("product_id", flat=True)
    ) == [product.pk]


def test_storefront_editor_suggests_products_i_earn_on_and_finds_any(
    creator, creator_client, seller, shop, product, other_product
):
    plan = open_plan_with(seller, shop, [product])
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)

    suggested = page(creator_client, STOREFRONT)
    found = page(creator_client, STOREFRONT + "?q=mystery")

    assert "Your storefront is empty" in suggested
    assert "Glow serum" in suggested and "Cozy mystery novel" not in suggested
    assert "Cozy mystery novel" in found


def test_a_full_storefront_refuses_with_a_message(creator, creator_client, shop, product):
    for n in range(50):
        storefront_services.place_item(
            creator=creator, product_id=make_product(shop=shop, title=f"P{n}").pk
        )

    answer = creator_client.post(
        reverse("web:collabs_storefront_place"), {"product_id": product.pk}, follow=True
    )

    assert "A storefront holds at most 50 products" in answer.content.decode()
    assert not StorefrontItem.objects.filter(creator=creator, product=product).exists()


# --- Storefront on the profile ------------------------------------------------------------------


def test_profile_shows_the_storefront_with_tracked_links(client, creator, product, other_product):
    storefront_services.place_item(creator=creator, product_id=other_product.pk)
    storefront_services.place_item(creator=creator, product_id=product.pk)

    html = page(client, "/@creator/")

    assert "Storefront" in html
    assert f'href="/@creator/shop/{product.pk}/"' in html
    assert html.index("Cozy mystery novel") < html.index("Glow serum")


def test_profile_without_a_storefront_shows_no_section(client, creator):
    assert 'id="storefront-title"' not in page(client, "/@creator/")


def test_commission_label_shows_only_while_the_creator_earns_on_the_product(
    client, creator, seller, shop, product
):
    plan = open_plan_with(seller, shop, [product])
    storefront_services.place_item(creator=creator, product_id=product.pk)
    label = 'data-label="commission"'

    before_joining = page(client, "/@creator/")
    membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    while_earning = page(client, "/@creator/")
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, product).pk)
    after_removal = page(client, "/@creator/")

    assert label not in before_joining
    assert label in while_earning and "Commission earned" in while_earning
    assert label not in after_removal
    assert membership.status == "approved"


def test_commission_label_goes_when_the_creator_leaves(client, creator, seller, shop, product):
    plan = open_plan_with(seller, shop, [product])
    membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    storefront_services.place_item(creator=creator, product_id=product.pk)
    assert 'data-label="commission"' in page(client, "/@creator/")

    affiliate_services.leave_plan(creator=creator, membership_id=membership.pk)

    assert 'data-label="commission"' not in page(client, "/@creator/")


# --- Storefront clicks --------------------------------------------------------------------------


def test_a_flood_of_storefront_clicks_from_one_visitor_counts_once(client, creator, product):
    storefront_services.place_item(creator=creator, product_id=product.pk)
    url = reverse("web:storefront_click", args=["creator", product.pk])

    answers = [client.get(url) for _ in range(5)]

    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {f"/p/{product.pk}/"}
    touch = Touch.objects.get()
    assert (touch.kind, touch.creator_id, touch.product_id) == (
        "storefront_click",
        creator.pk,
        product.pk,
    )
    assert touch.hits == 5
    assert touch.actor.startswith("s:")


def test_clicks_past_the_per_minute_budget_are_not_counted_but_still_redirect(
    settings, client, creator, product
):
    settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE = 3
    storefront_services.place_item(creator=creator, product_id=product.pk)
    url = reverse("web:storefront_click", args=["creator", product.pk])

    answers = [client.get(url) for _ in range(6)]

    assert [a.status_code for a in answers] == [302] * 6
    assert Touch.objects.get().hits == 3


def test_a_signed_in_shoppers_storefront_click_is_theirs(shopper_client, shopper, creator, product):
    storefront_services.place_item(creator=creator, product_id=product.pk)

    shopper_client.get(reverse("web:storefront_click", args=["creator", product.pk]))

    assert Touch.objects.get().actor == f"u:{shopper.pk}"


def test_a_product_not_in_the_storefront_redirects_without_a_touch(client, creator, product):
    answer = client.get(reverse("web:storefront_click", args=["creator", product.pk]))

    assert answer.status_code == 302
    assert not Touch.objects.exists()


def test_the_creators_own_storefront_clicks_are_not_touches(creator_client, creator, product):
    storefront_services.place_item(creator=creator, product_id=product.pk)

    creator_client.get(reverse("web:storefront_click", args=["creator", product.pk]))

    assert not Touch.objects.exists()


def test_an_unknown_creators_storefront_link_is_404(client, product):
    answer = client.get(f"/@nobody_here/shop/{product.pk}/")

    assert answer.status_code == 404
