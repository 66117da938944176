"""The samples API: sellers' offers and requests, creators' requests, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clipcart.affiliate.models import SampleRequest
from tests.conftest import ADDRESS, ApiClient
from tests.factories import UserFactory, make_post, make_product

from .test_samples import ask, delivered, history, make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator_api(creator):
    return ApiClient(creator)


@pytest.fixture
def offer(seller, shop, product):
    return make_offer(seller, shop, product, limit=2)


def _request_body(**overrides) -> dict:
    return {"message": "I review skincare", "shipping_address": ADDRESS, **overrides}


# --- Offers ---------------------------------------------------------------------------------------


def test_a_seller_creates_lists_and_pauses_an_offer(seller_api, shop, product):
    made = seller_api.post(
        f"/shops/{shop.pk}/sample-offers",
        {"product_id": product.pk, "quantity_limit": 5, "note": "For skincare creators"},
    )
    assert made.status_code == 201, made.json()
    offer = made.json()
    assert offer["product"] == {"id": product.pk, "title": "Glow serum"}
    assert (offer["quantity_limit"], offer["remaining"], offer["is_active"]) == (5, 5, True)

    paused = seller_api.patch(
        f"/shops/{shop.pk}/sample-offers/{offer['id']}", {"is_active": False, "quantity_limit": 8}
    )
    assert paused.status_code == 200
    assert (paused.json()["is_active"], paused.json()["quantity_limit"]) == (False, 8)

    listed = seller_api.get(f"/shops/{shop.pk}/sample-offers").json()
    assert [o["id"] for o in listed["items"]] == [offer["id"]]
    assert listed["next_cursor"] is None


@pytest.mark.parametrize("limit", [0, -1, 1001, "abc", None, 2.5, True])
def test_a_bad_quantity_limit_is_a_422_on_its_field(seller_api, shop, product, limit):
    answer = seller_api.post(
        f"/shops/{shop.pk}/sample-offers", {"product_id": product.pk, "quantity_limit": limit}
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "quantity_limit"


def test_lowering_the_limit_below_what_is_approved_is_a_409(seller_api, seller, shop, offer):
    for _ in range(2):
        seller_api.post(f"/sample-requests/{ask(UserFactory(), offer).pk}/approve")

    answer = seller_api.patch(f"/shops/{shop.pk}/sample-offers/{offer.pk}", {"quantity_limit": 1})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "limit_below_committed"


def test_another_shops_offers_are_closed(other_seller_api, shop, offer, other_shop):
    assert other_seller_api.get(f"/shops/{shop.pk}/sample-offers").status_code == 403
    assert other_seller_api.get(f"/shops/{shop.pk}/sample-requests").status_code == 403
    answer = other_seller_api.patch(
        f"/shops/{other_shop.pk}/sample-offers/{offer.pk}", {"is_active": False}
    )
    assert answer.status_code == 404


def test_the_samples_api_needs_a_token(api, shop):
    assert api.get("/sample-offers").status_code == 401
    assert api.get(f"/shops/{shop.pk}/sample-offers").status_code == 401


# --- Requests, seller side ------------------------------------------------------------------------


def test_the_seller_sees_each_requesters_followers_and_posting_rate(
    seller_api, offer, creator, shopper, other_shop
):
    from clipcart.accounts import services as account_services

    account_services.follow(follower=shopper, creator_id=creator.pk)
    history(creator, other_shop, posted=3, overdue=1)
    ask(creator, offer)
    newcomer = UserFactory(username="newcomer")
    ask(newcomer, offer)

    items = seller_api.get(f"/shops/{offer.shop_id}/sample-requests").json()["items"]

    by_handle = {item["creator"]["handle"]: item["creator"] for item in items}
    assert by_handle["creator"]["followers"] == 1
    assert by_handle["creator"]["posting_rate"] == {"posted": 3, "due": 4, "rate": 0.75}
    assert by_handle["newcomer"]["posting_rate"] is None
    assert items[0]["shipping_address"]["city"] == "Springfield"


def test_the_request_list_costs_the_same_queries_however_many_requests(
    seller_api, seller, shop, other_shop
):
    offer = make_offer(seller, shop, limit=30)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            answer = seller_api.get(f"/shops/{shop.pk}/sample-requests")
        assert answer.status_code == 200
        return len(captured), len(answer.json()["items"])

    ask(UserFactory(), offer)
    queries()  # warm-up: the token's first use is recorded once
    few = queries()
    for _ in range(10):
        person = UserFactory()
        history(person, other_shop, posted=1, overdue=1)
        ask(person, offer)
    many = queries()

    assert (few[1], many[1]) == (1, 11)
    assert few[0] == many[0]


def test_the_status_filter_and_pages_of_requests(seller_api, seller, shop):
    offer = make_offer(seller, shop, limit=30)
    requests = [ask(UserFactory(), offer) for _ in range(25)]
    seller_api.post(f"/sample-requests/{requests[0].pk}/approve")

    approved = seller_api.get(f"/shops/{shop.pk}/sample-requests", data={"status": "approved"})
    first = seller_api.get(f"/shops/{shop.pk}/sample-requests").json()
    second = seller_api.get(
        f"/shops/{shop.pk}/sample-requests", data={"cursor": first["next_cursor"]}
    ).json()

    assert [i["id"] for i in approved.json()["items"]] == [requests[0].pk]
    assert len(first["items"]) == 20 and len(second["items"]) == 5
    assert second["next_cursor"] is None
    bad = seller_api.get(f"/shops/{shop.pk}/sample-requests", data={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_approve_ship_and_deliver_through_the_api(seller_api, offer, creator):
    request = ask(creator, offer)

    approved = seller_api.post(f"/sample-requests/{request.pk}/approve", {"note": "Enjoy"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decision_note"]) == ("approved", "Enjoy")
    shipped = seller_api.post(
        f"/sample-requests/{request.pk}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA1"}
    )
    assert shipped.status_code == 200 and shipped.json()["tracking_number"] == "1Z999AA1"
    done = seller_api.post(f"/sample-requests/{request.pk}/delivered")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["delivered_via"], body["days_left"]) == ("delivered", "seller", 14)


def test_approving_twice_is_a_409(seller_api, offer, creator):
    request = ask(creator, offer)
    seller_api.post(f"/sample-requests/{request.pk}/approve")

    again = seller_api.post(f"/sample-requests/{request.pk}/approve")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_decided"


def test_approving_past_the_limit_is_a_409_samples_exhausted(seller_api, offer):
    requests = [ask(UserFactory(), offer) for _ in range(3)]
    for request in requests[:2]:
        assert seller_api.post(f"/sample-requests/{request.pk}/approve").status_code == 200

    answer = seller_api.post(f"/sample-requests/{requests[2].pk}/approve")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "samples_exhausted"


def test_shipping_an_unapproved_request_is_a_409(seller_api, offer, creator):
    request = ask(creator, offer)

    answer = seller_api.post(
        f"/sample-requests/{request.pk}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA1"}
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_approved"


def test_another_shops_request_is_a_404_for_every_action(other_seller_api, offer, creator):
    request = ask(creator, offer)

    for action, body in [
        ("approve", None),
        ("decline", None),
        ("ship", {"carrier": "UPS", "tracking_number": "1Z999AA1"}),
        ("delivered", None),
    ]:
        answer = other_seller_api.post(f"/sample-requests/{request.pk}/{action}", body)
        assert answer.status_code == 404, action
    assert SampleRequest.objects.get(pk=request.pk).status == "requested"


# --- Creator side ---------------------------------------------------------------------------------


def test_a_creator_browses_offers_and_asks_for_one(creator_api, offer, other_product, seller):
    listed = creator_api.get("/sample-offers").json()["items"]
    assert [(o["id"], o["remaining"], o["my_request"]) for o in listed] == [(offer.pk, 2, None)]

    made = creator_api.post(f"/sample-offers/{offer.pk}/requests", _request_body())

    assert made.status_code == 201, made.json()
    assert (made.json()["status"], made.json()["product"]["title"]) == ("requested", "Glow serum")
    mine = creator_api.get("/me/sample-requests").json()["items"]
    assert [r["id"] for r in mine] == [made.json()["id"]]
    again = creator_api.get("/sample-offers").json()["items"][0]["my_request"]
    assert again == {"id": made.json()["id"], "status": "requested"}


def test_a_seller_does_not_see_their_own_offers_to_request(seller_api, offer):
    assert seller_api.get("/sample-offers").json()["items"] == []


def test_a_request_needs_a_full_address(creator_api, offer):
    answer = creator_api.post(
        f"/sample-offers/{offer.pk}/requests",
        _request_body(shipping_address={**ADDRESS, "country": "USA"}),
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "shipping_address.country"


def test_a_creator_follows_their_sample_to_the_post(creator_api, creator, seller, offer):
    request = delivered(seller, creator, offer)

    extended = creator_api.post(f"/me/sample-requests/{request.pk}/extend")
    assert extended.status_code == 200 and extended.json()["days_left"] == 21
    twice = creator_api.post(f"/me/sample-requests/{request.pk}/extend")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_extended"

    early = creator_api.post(f"/me/sample-requests/{request.pk}/posted")
    assert early.status_code == 409 and early.json()["error"]["code"] == "no_post_found"
    post = make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
    posted = creator_api.post(f"/me/sample-requests/{request.pk}/posted")
    assert posted.status_code == 200
    assert (posted.json()["status"], posted.json()["post_id"]) == ("posted", post.pk)


def test_a_creator_confirms_receipt_and_cancels_through_the_api(
    creator_api, creator, seller, shop, offer
):
    from clipcart.affiliate.services import samples

    request = ask(creator, offer)
    samples.decide_request(user=seller, request_id=request.pk, approve=True)
    samples.ship_sample(
        user=seller, request_id=request.pk, carrier="UPS", tracking_number="1Z999AA1"
    )
    received = creator_api.post(f"/me/sample-requests/{request.pk}/received")
    assert received.status_code == 200
    assert received.json()["delivered_via"] == "creator"

    other = make_offer(seller, shop, make_product(shop=shop, title="Other"))
    second = ask(creator, other)
    cancelled = creator_api.post(f"/me/sample-requests/{second.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_another_creators_request_is_a_404(offer, creator, stranger):
    request = ask(creator, offer)
    stranger_api = ApiClient(stranger)

    for action in ("cancel", "extend", "posted", "received"):
        answer = stranger_api.post(f"/me/sample-requests/{request.pk}/{action}")
        assert answer.status_code == 404, action
    assert stranger_api.get("/me/sample-requests").json()["items"] == []


def test_requests_beyond_the_posting_rate_limit_are_a_409(creator_api, creator, seller, shop):
    from tests.factories import make_shop

    history(creator, make_shop(owner=UserFactory(), name="Past"), posted=0, overdue=2)
    offers = [make_offer(seller, shop, make_product(shop=shop, title=f"P{n}")) for n in (1, 2)]
    first = creator_api.post(f"/sample-offers/{offers[0].pk}/requests", _request_body())
    assert first.status_code == 201

    answer = creator_api.post(f"/sample-offers/{offers[1].pk}/requests", _request_body())

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "open_request_limit"
