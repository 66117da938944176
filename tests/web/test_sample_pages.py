"""Sample pages: the seller's offers and requests at /seller/<shop>/samples/ and the creator's
at /studio/samples/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.affiliate.models import SampleOffer, SampleRequest
from clipcart.affiliate.services import samples
from tests.affiliate.test_samples import ask, delivered, history, make_offer, shipped
from tests.conftest import ADDRESS
from tests.factories import UserFactory, make_post, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator_client(creator) -> Client:
    client = Client()
    client.force_login(creator)
    return client


@pytest.fixture
def offer(seller, shop, product):
    return make_offer(seller, shop, product, limit=3)


def seller_url(shop) -> str:
    return reverse("web:seller_samples", args=[shop.pk])


def decide_url(shop, request) -> str:
    return reverse("web:seller_sample_decide", args=[shop.pk, request.pk])


def action_url(request, action: str) -> str:
    return reverse("web:studio_sample_action", args=[request.pk, action])


# --- Seller ---------------------------------------------------------------------------------------


def test_the_seller_sees_offers_left_and_who_asks_with_their_record(
    seller_client, seller, shop, offer, creator, shopper, other_shop
):
    account_services.follow(follower=shopper, creator_id=creator.pk)
    history(creator, other_shop, posted=3, overdue=1)
    ask(creator, offer)
    ask(UserFactory(username="newbie"), offer)
    approved = ask(UserFactory(), offer)
    samples.decide_request(user=seller, request_id=approved.pk, approve=True)

    html = seller_client.get(seller_url(shop)).content.decode()

    assert "2 of 3 left" in html
    assert "@creator" in html and "1 follower" in html
    assert "3 of 4 posted (75%)" in html
    assert "new creator" in html


def test_a_seller_offers_samples_from_the_page(seller_client, shop, product):
    body = {"product_id": product.pk, "quantity_limit": "4", "note": "For skincare videos"}

    response = seller_client.post(reverse("web:seller_sample_offer_new", args=[shop.pk]), body)

    assert response.status_code == 302
    offer = SampleOffer.objects.get(product=product)
    assert (offer.quantity_limit, offer.note) == (4, "For skincare videos")
    html = seller_client.get(seller_url(shop)).content.decode()
    assert "4 of 4 left" in html


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "abc", ""])
def test_a_bad_quantity_limit_is_shown_on_the_form(seller_client, shop, product, limit):
    body = {"product_id": product.pk, "quantity_limit": limit}

    response = seller_client.post(reverse("web:seller_sample_offer_new", args=[shop.pk]), body)

    assert response.status_code == 422
    assert response.context["offer_form"].errors["quantity_limit"]
    assert not SampleOffer.objects.exists()


def test_a_seller_pauses_resumes_and_resizes_an_offer(seller_client, shop, offer):
    url = reverse("web:seller_sample_offer", args=[shop.pk, offer.pk])

    assert seller_client.post(url, {"action": "pause"}).status_code == 302
    offer.refresh_from_db()
    assert not offer.is_active
    seller_client.post(url, {"action": "resume"})
    seller_client.post(url, {"action": "save", "quantity_limit": "9"})
    offer.refresh_from_db()
    assert (offer.is_active, offer.quantity_limit) == (True, 9)

    refused = seller_client.post(url, {"action": "save", "quantity_limit": "5000"})
    assert refused.status_code == 422
    assert "1 to 1000" in refused.content.decode()


def test_a_seller_approves_ships_and_marks_a_sample_delivered(seller_client, shop, offer, creator):
    request = ask(creator, offer)

    approved = seller_client.post(decide_url(shop, request), {"decision": "approve", "note": ""})
    assert approved.status_code == 302
    page = seller_client.get(seller_url(shop)).content.decode()
    assert "Ship to: Sam Shopper, 1 Main St" in page

    ship_url = reverse("web:seller_sample_ship", args=[shop.pk, request.pk])
    bad = seller_client.post(ship_url, {"carrier": "UPS", "tracking_number": ""})
    assert bad.status_code == 422
    assert (
        seller_client.post(ship_url, {"carrier": "UPS", "tracking_number": "1Z999AA1"}).status_code
        == 302
    )
    done = seller_client.post(reverse("web:seller_sample_delivered", args=[shop.pk, request.pk]))
    assert done.status_code == 302

    request.refresh_from_db()
    assert (request.status, request.tracking_number) == ("delivered", "1Z999AA1")


def test_approving_twice_shows_why_with_a_409(seller_client, shop, offer, creator):
    request = ask(creator, offer)
    seller_client.post(decide_url(shop, request), {"decision": "approve"})

    again = seller_client.post(decide_url(shop, request), {"decision": "approve"})

    assert again.status_code == 409
    assert "already decided" in again.content.decode()


def test_shipping_an_unapproved_request_is_a_409(seller_client, shop, offer, creator):
    request = ask(creator, offer)

    response = seller_client.post(
        reverse("web:seller_sample_ship", args=[shop.pk, request.pk]),
        {"carrier": "UPS", "tracking_number": "1Z999AA1"},
    )

    assert response.status_code == 409
    assert SampleRequest.objects.get(pk=request.pk).status == "requested"


def test_another_sellers_pages_and_requests_are_closed(
    client, other_seller, other_shop, shop, offer, creator
):
    request = ask(creator, offer)
    client.force_login(other_seller)

    assert client.get(seller_url(shop)).status_code == 403
    # Their own shop's URL with this shop's request id: not found, and nothing changes.
    response = client.post(decide_url(other_shop, request), {"decision": "approve"})
    assert response.status_code == 404
    assert SampleRequest.objects.get(pk=request.pk).status == "requested"


def test_the_status_filter_and_older_requests(seller_client, seller, shop):
    offer = make_offer(seller, shop, limit=30)
    requests = [ask(UserFactory(), offer) for _ in range(22)]
    samples.decide_request(user=seller, request_id=requests[0].pk, approve=True)

    approved = seller_client.get(seller_url(shop), {"status": "approved"})
    first = seller_client.get(seller_url(shop))

    assert [r.pk for r in approved.context["page"].items] == [requests[0].pk]
    assert len(first.context["page"].items) == 20
    older = seller_client.get(seller_url(shop), {"cursor": first.context["page"].next_cursor})
    assert len(older.context["page"].items) == 2


def test_the_seller_page_costs_the_same_queries_however_many_requests(
    seller_client, seller, shop, other_shop
):
    offer = make_offer(seller, shop, limit=30)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert seller_client.get(seller_url(shop)).status_code == 200
        return len(captured)

    ask(UserFactory(), offer)
    few = queries()
    for n in range(8):
        person = UserFactory()
        history(person, other_shop, posted=1, overdue=1)
        request = ask(person, offer)
        if n % 2:
            samples.decide_request(user=seller, request_id=request.pk, approve=True)

    assert queries() == few


# --- Creator --------------------------------------------------------------------------------------


def test_a_creator_finds_an_offer_and_asks_for_it(creator_client, creator, offer, other_product):
    page = creator_client.get(reverse("web:studio_samples")).content.decode()
    assert "Glow serum" in page and "3 left" in page
    form_url = reverse("web:studio_sample_request", args=[offer.pk])
    assert creator_client.get(form_url).status_code == 200

    bad = creator_client.post(form_url, {**ADDRESS, "country": "USA"})
    assert bad.status_code == 422
    good = creator_client.post(form_url, {**ADDRESS, "message": "I film skincare"})

    assert good.status_code == 302
    request = SampleRequest.objects.get(creator=creator)
    assert (request.offer, request.message) == (offer, "I film skincare")
    page = creator_client.get(reverse("web:studio_samples")).content.decode()
    assert "Waiting for Glow Lab to decide." in page


def test_a_creator_sees_days_left_extends_once_and_reports_the_post(
    creator_client, creator, seller, offer
):
    request = delivered(seller, creator, offer)

    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        page = creator_client.get(reverse("web:studio_samples")).content.decode()
        assert "10 days left" in page
        assert creator_client.post(action_url(request, "extend")).status_code == 302
        page = creator_client.get(reverse("web:studio_samples")).content.decode()
        assert "17 days left" in page and "(extended)" in page
        twice = creator_client.post(action_url(request, "extend"))
        assert twice.status_code == 409 and "already extended" in twice.content.decode()

        nothing = creator_client.post(action_url(request, "posted"))
        assert nothing.status_code == 409
        assert "No live post of yours tags Glow serum" in nothing.content.decode()
        make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
        assert creator_client.post(action_url(request, "posted")).status_code == 302

    assert SampleRequest.objects.get(pk=request.pk).status == "posted"


def test_a_creator_confirms_receipt_and_cancels(creator_client, creator, seller, shop, offer):
    request = shipped(seller, creator, offer)
    assert creator_client.post(action_url(request, "received")).status_code == 302
    other = ask(creator, make_offer(seller, shop, make_product(shop=shop, title="Other")))
    assert creator_client.post(action_url(other, "cancel")).status_code == 302

    statuses = dict(SampleRequest.objects.values_list("pk", "status"))
    assert (statuses[request.pk], statuses[other.pk]) == ("delivered", "cancelled")


def test_another_creators_request_is_not_found(stranger_client, creator, offer):
    request = ask(creator, offer)

    for action in ("cancel", "extend", "posted", "received"):
        assert stranger_client.post(action_url(request, action)).status_code == 404
    assert stranger_client.post(action_url(request, "approve")).status_code == 404
    assert SampleRequest.objects.get(pk=request.pk).status == "requested"


def test_a_low_posting_rate_is_explained_on_the_studio_page(creator_client, creator, other_shop):
    history(creator, other_shop, posted=1, overdue=2)

    page = creator_client.get(reverse("web:studio_samples")).content.decode()

    assert "1 of 3" in page and "one at a time" in page


def test_sample_pages_need_a_signed_in_person(client, shop):
    for url in (reverse("web:studio_samples"), seller_url(shop)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
