"""Free samples through their services: offers and their limits, requests and the limits a
creator's posting record sets, shipping, delivery, the video that is due and the daily sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.affiliate.models import SampleOffer, SampleRequest
from clipcart.affiliate.services import samples
from clipcart.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.conftest import ADDRESS
from tests.factories import UserFactory, make_post, make_product

pytestmark = pytest.mark.django_db
S = SampleRequest.Status


# --- Helpers other sample tests share -----------------------------------------------------------


def make_offer(seller, shop, product=None, *, limit: int = 3) -> SampleOffer:
    product = product or make_product(shop=shop, title="Sample serum")
    return samples.create_offer(
        user=seller, shop_id=shop.pk, product_id=product.pk, quantity_limit=limit
    )


def ask(creator, offer: SampleOffer, **fields) -> SampleRequest:
    return samples.request_sample(
        creator=creator, offer_id=offer.pk, message="Love it", shipping_address=ADDRESS, **fields
    )


def shipped(seller, creator, offer: SampleOffer) -> SampleRequest:
    request = ask(creator, offer)
    samples.decide_request(user=seller, request_id=request.pk, approve=True)
    return samples.ship_sample(
        user=seller, request_id=request.pk, carrier="UPS", tracking_number="1Z999AA10123"
    )


def delivered(seller, creator, offer: SampleOffer) -> SampleRequest:
    request = shipped(seller, creator, offer)
    return samples.confirm_delivery(creator=creator, request_id=request.pk)


def history(creator, shop, *, posted: int = 0, overdue: int = 0) -> None:
    """Samples of the past: `posted` fulfilled and `overdue` lapsed, each of a new product."""
    long_ago = timezone.now() - timedelta(days=60)
    for n, status in enumerate([S.POSTED] * posted + [S.OVERDUE] * overdue):
        product = make_product(shop=shop, title=f"Past sample {status} {n}")
        offer = SampleOffer.objects.create(shop=shop, product=product, quantity_limit=5)
        SampleRequest.objects.create(
            offer=offer,
            creator=creator,
            status=status,
            shipped_at=long_ago,
            delivered_at=long_ago,
            due_at=long_ago + timedelta(days=14),
            posted_at=long_ago + timedelta(days=3) if status == S.POSTED else None,
            post_id=1 if status == S.POSTED else None,
        )


def messages_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


@pytest.fixture
def offer(seller, shop, product):
    return make_offer(seller, shop, product)


# --- Offers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, -1, 1001, "abc", "", None, 2.5, True])
def test_a_quantity_limit_outside_1_to_1000_is_refused_on_its_field(seller, shop, product, limit):
    with pytest.raises(InvalidInput) as error:
        samples.create_offer(
            user=seller, shop_id=shop.pk, product_id=product.pk, quantity_limit=limit
        )

    assert error.value.field == "quantity_limit"
    assert not SampleOffer.objects.exists()


def test_an_offer_is_made_for_the_shops_own_active_product_once(
    seller, shop, product, other_product
):
    offer = samples.create_offer(
        user=seller, shop_id=shop.pk, product_id=product.pk, quantity_limit="1000", note="Try it"
    )

    assert (offer.quantity_limit, offer.is_active, offer.note) == (1000, True, "Try it")
    with pytest.raises(Conflict) as twice:
        make_offer(seller, shop, product)
    assert twice.value.code == "offer_exists"
    with pytest.raises(NotFound):
        make_offer(seller, shop, other_product)
    with pytest.raises(PermissionDenied):
        make_offer(UserFactory(), shop, product)


def test_the_limit_never_goes_below_the_units_already_approved(seller, shop, offer):
    for _ in range(2):
        request = ask(UserFactory(), offer)
        samples.decide_request(user=seller, request_id=request.pk, approve=True)

    with pytest.raises(Conflict) as error:
        samples.update_offer(user=seller, shop_id=shop.pk, offer_id=offer.pk, quantity_limit=1)
    assert error.value.code == "limit_below_committed"

    updated = samples.update_offer(
        user=seller, shop_id=shop.pk, offer_id=offer.pk, quantity_limit=2, is_active=False
    )
    assert (updated.quantity_limit, updated.is_active) == (2, False)


def test_a_paused_offer_takes_no_requests_until_resumed(seller, shop, offer, creator):
    samples.update_offer(user=seller, shop_id=shop.pk, offer_id=offer.pk, is_active=False)

    with pytest.raises(NotFound):
        ask(creator, offer)

    samples.update_offer(user=seller, shop_id=shop.pk, offer_id=offer.pk, is_active=True)
    assert ask(creator, offer).status == S.REQUESTED


def test_another_shops_offer_cannot_be_changed(seller, other_seller, other_shop, offer):
    with pytest.raises(NotFound):
        samples.update_offer(
            user=other_seller, shop_id=other_shop.pk, offer_id=offer.pk, is_active=False
        )


# --- Requests -------------------------------------------------------------------------------------


def test_a_sample_goes_from_request_to_post_and_each_side_hears_of_each_step(
    seller, shop, offer, creator
):
    request = ask(creator, offer)
    assert "@creator asked for a sample of Glow serum." in messages_of(seller)

    samples.decide_request(user=seller, request_id=request.pk, approve=True, note="Enjoy!")
    assert any("approved your request" in m and "Enjoy!" in m for m in messages_of(creator))

    samples.ship_sample(
        user=seller, request_id=request.pk, carrier="UPS", tracking_number="1Z 999 AA1"
    )
    assert any("on its way with UPS (1Z999AA1)" in m for m in messages_of(creator))

    samples.confirm_delivery(creator=creator, request_id=request.pk)
    assert "@creator's sample of Glow serum arrived." in messages_of(seller)

    post = make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
    samples.check_posted(creator=creator, request_id=request.pk)
    request.refresh_from_db()
    assert (request.status, request.post_id) == (S.POSTED, post.pk)
    assert "@creator posted about Glow serum." in messages_of(seller)


def test_the_address_is_checked_and_cleaned(offer, creator):
    with pytest.raises(InvalidInput) as error:
        ask_with = {**ADDRESS, "city": ""}
        samples.request_sample(creator=creator, offer_id=offer.pk, shipping_address=ask_with)
    assert error.value.field == "shipping_address.city"

    request = samples.request_sample(
        creator=creator, offer_id=offer.pk, shipping_address={**ADDRESS, "country": "us"}
    )
    assert request.shipping_address["country"] == "US"


def test_a_seller_cannot_ask_their_own_shop_for_a_sample(seller, offer):
    with pytest.raises(Conflict) as error:
        ask(seller, offer)
    assert error.value.code == "own_shop"


def test_a_declined_request_stays_declined_but_a_cancelled_one_may_be_made_again(
    seller, offer, creator
):
    first = ask(creator, offer)
    samples.cancel_request(creator=creator, request_id=first.pk)
    second = ask(creator, offer)
    samples.decide_request(user=seller, request_id=second.pk, approve=False, note="Out of season")

    with pytest.raises(Conflict) as error:
        ask(creator, offer)
    assert error.value.code == "already_requested"
    assert any("declined" in m and "Out of season" in m for m in messages_of(creator))


def test_cancelling_an_approved_request_frees_its_unit(seller, shop, creator, stranger):
    offer = make_offer(seller, shop, limit=1)
    request = ask(creator, offer)
    samples.decide_request(user=seller, request_id=request.pk, approve=True)
    with pytest.raises(Conflict):
        ask(stranger, offer)  # none left

    samples.cancel_request(creator=creator, request_id=request.pk)

    samples.decide_request(user=seller, request_id=ask(stranger, offer).pk, approve=True)
    assert any("cancelled their request" in m for m in messages_of(seller))


def test_a_shipped_request_cannot_be_cancelled(seller, offer, creator):
    request = shipped(seller, creator, offer)

    with pytest.raises(Conflict) as error:
        samples.cancel_request(creator=creator, request_id=request.pk)
    assert error.value.code == "not_cancellable"


# --- Decisions, shipping, delivery ----------------------------------------------------------------


def test_approving_twice_is_a_conflict(seller, offer, creator):
    request = ask(creator, offer)
    samples.decide_request(user=seller, request_id=request.pk, approve=True)

    with pytest.raises(Conflict) as error:
        samples.decide_request(user=seller, request_id=request.pk, approve=True)
    assert error.value.code == "already_decided"
    with pytest.raises(Conflict):
        samples.decide_request(user=seller, request_id=request.pk, approve=False)


def test_approvals_stop_at_the_limit(seller, shop):
    offer = make_offer(seller, shop, limit=2)
    requests = [ask(UserFactory(), offer) for _ in range(3)]
    for request in requests[:2]:
        samples.decide_request(user=seller, request_id=request.pk, approve=True)

    with pytest.raises(Conflict) as error:
        samples.decide_request(user=seller, request_id=requests[2].pk, approve=True)

    assert error.value.code == "samples_exhausted"
    assert SampleRequest.objects.get(pk=requests[2].pk).status == S.REQUESTED
    # Declining still works when none is left.
    samples.decide_request(user=seller, request_id=requests[2].pk, approve=False)


def test_shipping_an_unapproved_request_is_a_conflict(seller, offer, creator):
    request = ask(creator, offer)

    with pytest.raises(Conflict) as error:
        samples.ship_sample(
            user=seller, request_id=request.pk, carrier="UPS", tracking_number="1Z999AA10123"
        )
    assert error.value.code == "not_approved"


def test_shipping_needs_a_carrier_and_a_tracking_number(seller, offer, creator):
    request = ask(creator, offer)
    samples.decide_request(user=seller, request_id=request.pk, approve=True)

    with pytest.raises(InvalidInput) as error:
        samples.ship_sample(user=seller, request_id=request.pk, carrier="UPS", tracking_number="#")
    assert error.value.field == "tracking_number"


def test_another_shops_staff_cannot_see_or_touch_a_request(other_seller, offer, creator):
    request = ask(creator, offer)

    for action in (
        lambda: samples.decide_request(user=other_seller, request_id=request.pk, approve=True),
        lambda: samples.ship_sample(
            user=other_seller, request_id=request.pk, carrier="UPS", tracking_number="1Z9999"
        ),
        lambda: samples.mark_delivered(user=other_seller, request_id=request.pk),
    ):
        with pytest.raises(NotFound):
            action()


def test_another_creators_request_is_not_found(offer, creator, stranger):
    request = ask(creator, offer)

    for action in (
        samples.cancel_request,
        samples.confirm_delivery,
        samples.extend_deadline,
        samples.check_posted,
    ):
        with pytest.raises(NotFound):
            action(creator=stranger, request_id=request.pk)


def test_the_seller_may_mark_a_sample_delivered_and_the_creator_is_told_the_due_date(
    seller, offer, creator
):
    request = shipped(seller, creator, offer)

    request = samples.mark_delivered(user=seller, request_id=request.pk)

    assert (request.status, request.delivered_via) == (S.DELIVERED, "seller")
    assert any("arrived: post about it by" in m for m in messages_of(creator))
    with pytest.raises(Conflict) as again:
        samples.confirm_delivery(creator=creator, request_id=request.pk)
    assert again.value.code == "not_shipped"


# --- The video that is due ------------------------------------------------------------------------


def test_the_video_is_due_14_days_after_delivery_and_can_be_extended_once_by_7(
    seller, offer, creator
):
    request = delivered(seller, creator, offer)
    assert request.delivered_at is not None
    assert request.due_at == request.delivered_at + timedelta(days=14)

    extended = samples.extend_deadline(creator=creator, request_id=request.pk)

    assert extended.due_at == request.delivered_at + timedelta(days=21)
    with pytest.raises(Conflict) as twice:
        samples.extend_deadline(creator=creator, request_id=request.pk)
    assert twice.value.code == "already_extended"


def test_a_due_date_that_passed_cannot_be_extended(seller, offer, creator):
    request = delivered(seller, creator, offer)

    late = time_machine.travel(request.due_at + timedelta(minutes=1), tick=False)
    with late, pytest.raises(Conflict) as error:
        samples.extend_deadline(creator=creator, request_id=request.pk)
    assert error.value.code == "past_due"


def test_a_sample_not_yet_delivered_has_nothing_to_extend_or_post(seller, offer, creator):
    request = shipped(seller, creator, offer)

    with pytest.raises(Conflict):
        samples.extend_deadline(creator=creator, request_id=request.pk)
    with pytest.raises(Conflict) as error:
        samples.check_posted(creator=creator, request_id=request.pk)
    assert error.value.code == "not_delivered"


def test_a_post_tagging_the_product_after_delivery_fulfils_the_sample(seller, offer, creator):
    request = delivered(seller, creator, offer)
    other = make_product(shop=offer.shop, title="Another thing")
    make_post(creator=creator, products=[other], published_ago=timedelta(0))  # wrong product

    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        post = make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
        posted = samples.check_posted(creator=creator, request_id=request.pk)

    assert (posted.status, posted.post_id, posted.posted_at) == (
        S.POSTED,
        post.pk,
        post.published_at,
    )


def test_a_post_published_before_delivery_does_not_fulfil_the_sample(seller, offer, creator):
    make_post(creator=creator, products=[offer.product], published_ago=timedelta(days=1))
    request = delivered(seller, creator, offer)

    with pytest.raises(Conflict) as error:
        samples.check_posted(creator=creator, request_id=request.pk)

    assert error.value.code == "no_post_found"
    assert SampleRequest.objects.get(pk=request.pk).status == S.DELIVERED


def test_posts_that_are_not_live_or_not_the_creators_do_not_count(seller, offer, creator):
    request = delivered(seller, creator, offer)
    make_post(creator=UserFactory(), products=[offer.product], published_ago=timedelta(0))
    make_post(creator=creator, products=[offer.product], status="processing")
    make_post(
        creator=creator,
        products=[offer.product],
        published_ago=timedelta(0),
        removed_at=timezone.now(),
    )

    with pytest.raises(Conflict):
        samples.check_posted(creator=creator, request_id=request.pk)


# --- The sweep ------------------------------------------------------------------------------------


def test_the_sweep_marks_a_sample_overdue_after_its_due_date_and_tells_both_sides(
    seller, offer, creator
):
    request = delivered(seller, creator, offer)

    with time_machine.travel(request.due_at - timedelta(minutes=1), tick=False):
        assert samples.sweep_samples().overdue == 0
    with time_machine.travel(request.due_at + timedelta(minutes=1), tick=False):
        assert samples.sweep_samples().overdue == 1
        assert samples.sweep_samples().overdue == 0  # once

    assert SampleRequest.objects.get(pk=request.pk).status == S.OVERDUE
    assert any("is overdue" in m for m in messages_of(creator))
    assert "@creator's video of the Glow serum sample is overdue." in messages_of(seller)


def test_the_sweep_finds_a_post_before_calling_a_sample_overdue(seller, offer, creator):
    request = delivered(seller, creator, offer)
    post = make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))

    with time_machine.travel(request.due_at + timedelta(days=1), tick=False):
        result = samples.sweep_samples()

    assert (result.posted, result.overdue) == (1, 0)
    assert SampleRequest.objects.get(pk=request.pk).post_id == post.pk


def test_an_overdue_sample_posted_late_counts_as_posted(seller, offer, creator):
    request = delivered(seller, creator, offer)
    with time_machine.travel(request.due_at + timedelta(days=1), tick=False):
        samples.sweep_samples()
        make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
        posted = samples.check_posted(creator=creator, request_id=request.pk)

    assert posted.status == S.POSTED
    assert posted.posted_at > request.due_at


def test_the_sweep_assumes_delivery_10_days_after_shipping(seller, offer, creator):
    request = shipped(seller, creator, offer)
    assert request.shipped_at is not None

    with time_machine.travel(request.shipped_at + timedelta(days=9, hours=23), tick=False):
        assert samples.sweep_samples().delivered == 0
    later = request.shipped_at + timedelta(days=10, minutes=1)
    with time_machine.travel(later, tick=False):
        assert samples.sweep_samples().delivered == 1

    request.refresh_from_db()
    assert (request.status, request.delivered_via) == (S.DELIVERED, "automatic")
    assert request.due_at == later + timedelta(days=14)
    assert any("arrived: post about it by" in m for m in messages_of(creator))


def test_the_creator_is_reminded_two_days_before_the_due_date_once(seller, offer, creator):
    request = delivered(seller, creator, offer)
    before = Notification.objects.filter(user=creator, kind="sample_due_soon")

    with time_machine.travel(request.due_at - timedelta(days=2, minutes=1), tick=False):
        samples.sweep_samples()
    assert not before.exists()
    with time_machine.travel(request.due_at - timedelta(days=1), tick=False):
        assert samples.sweep_samples().reminded == 1
        assert samples.sweep_samples().reminded == 0

    assert before.count() == 1


# --- Limits from the posting rate -----------------------------------------------------------------


def test_a_creator_below_half_posted_after_two_due_samples_may_hold_one_open_request(
    seller, shop, creator, other_shop
):
    history(creator, other_shop, posted=1, overdue=2)  # 1 of 3 posted
    offers = [make_offer(seller, shop, make_product(shop=shop, title=f"New {n}")) for n in [1, 2]]
    ask(creator, offers[0])

    with pytest.raises(Conflict) as error:
        ask(creator, offers[1])

    assert error.value.code == "open_request_limit"
    assert "fewer than half" in error.value.message


@pytest.mark.parametrize(
    ("posted", "overdue", "limit"),
    [
        (0, 0, 5),  # a new creator
        (0, 1, 5),  # one lapse on a first sample is not yet a rate
        (1, 1, 5),  # exactly half is not below half
        (2, 3, 1),
        (0, 2, 1),
    ],
)
def test_the_open_request_limit_follows_the_posting_rate(
    creator, other_shop, posted, overdue, limit
):
    history(creator, other_shop, posted=posted, overdue=overdue)

    assert samples.allowance(creator_id=creator.pk).limit == limit


def test_anyone_may_hold_at_most_five_open_requests(seller, shop, creator):
    offers = [make_offer(seller, shop, make_product(shop=shop, title=f"P{n}")) for n in range(6)]
    for offer in offers[:5]:
        ask(creator, offer)

    with pytest.raises(Conflict) as error:
        ask(creator, offers[5])
    assert error.value.code == "open_request_limit"


def test_an_overdue_sample_blocks_requests_to_that_shop_until_it_is_posted(
    seller, shop, offer, creator, other_seller, other_shop, other_product
):
    request = delivered(seller, creator, offer)
    with time_machine.travel(request.due_at + timedelta(minutes=1), tick=False):
        samples.sweep_samples()
    newer = make_offer(seller, shop, make_product(shop=shop, title="Newer"))

    with pytest.raises(Conflict) as error:
        ask(creator, newer)
    assert error.value.code == "sample_overdue"
    ask(creator, make_offer(other_seller, other_shop, other_product))  # another shop is fine

    make_post(creator=creator, products=[offer.product], published_ago=timedelta(0))
    samples.check_posted(creator=creator, request_id=request.pk)
    assert ask(creator, newer).status == S.REQUESTED


def test_the_beat_task_runs_the_sweep(seller, offer, creator):
    from clipcart.affiliate.sample_tasks import sweep_samples

    request = delivered(seller, creator, offer)
    with time_machine.travel(request.due_at + timedelta(minutes=1), tick=False):
        result = sweep_samples.delay().get()

    assert result == {"delivered": 0, "posted": 0, "overdue": 1, "reminded": 0}
    assert sweep_samples.name == "affiliate.sweep_samples"
