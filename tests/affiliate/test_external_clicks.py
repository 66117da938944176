"""The tracked redirect of external products: counted once per client and window, a touch for
the creator whose link it was, and a signed click id handed to the other store."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Touch
from clipcart.affiliate.services import postbacks as postback_services
from clipcart.catalog.models import ExternalClick

from ..factories import make_product
from .helpers import open_plan_with

STORE_URL = "https://lamps.example/p/42?color=red&size=l"


@pytest.fixture
def lamp(shop):
    return make_product(
        shop=shop, title="Desk lamp", price="59.90", kind="external", external_url=STORE_URL
    )


@pytest.fixture
def ref(seller, shop, lamp, creator) -> str:
    plan = open_plan_with(seller, shop, [lamp], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return account_services.ensure_ref_code(user=creator)


@pytest.fixture
def frozen():
    """A still clock: the clicks of a test fall in one rate-limit minute and one window."""
    at = timezone.now().replace(second=5, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(at, tick=False) as traveller:
        yield traveller


def go(client: Client, product, ref: str = ""):
    query = f"?ref={ref}" if ref else ""
    return client.get(reverse("web:go", args=[product.pk]) + query)


def click_id(response) -> str | None:
    values = parse_qs(urlsplit(response["Location"]).query).get("clipcart_click")
    return values[0] if values else None


def test_a_click_through_a_creators_link_is_their_touch_with_a_signed_click_id(
    client, lamp, ref, creator
):
    response = go(client, lamp, ref)

    assert response.status_code == 302
    touch = Touch.objects.get()
    assert (touch.creator, touch.product, touch.kind) == (creator, lamp, "external_click")
    token = click_id(response)
    assert token is not None and str(touch.pk) != token  # signed, not the bare id
    assert postback_services.touch_of_click(token) == touch


def test_the_click_id_is_added_and_the_stores_own_query_string_is_kept(client, seller, shop, ref):
    lamp = make_product(
        shop=shop,
        title="Floor lamp",
        kind="external",
        external_url="https://lamps.example/p/7?color=red&utm_source=clipcart#reviews",
    )
    open_plan_with(seller, shop, [lamp], rate="12")

    location = go(client, lamp, ref)["Location"]

    assert location.startswith(
        "https://lamps.example/p/7?color=red&utm_source=clipcart&clipcart_click="
    )
    assert location.endswith("#reviews")


def test_a_click_without_a_creator_who_earns_on_the_product_goes_out_unchanged(
    client, lamp, shop, stranger
):
    stranger_ref = account_services.ensure_ref_code(user=stranger)  # in no plan

    for ref in ("", stranger_ref, "no-such-code", "bad code!"):
        response = go(Client(), lamp, ref)
        assert response.status_code == 302 and response["Location"] == STORE_URL, ref

    assert not Touch.objects.exists()


def test_a_flood_of_clicks_from_one_client_counts_once_and_past_the_budget_records_nothing(
    client, lamp, ref, settings, frozen
):
    settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE = 5

    answers = [go(client, lamp, ref) for _ in range(12)]

    assert all(a.status_code == 302 and a["Location"].startswith(STORE_URL) for a in answers)
    click = ExternalClick.objects.get()
    assert click.hits == 12
    touch = Touch.objects.get()
    assert touch.hits == 5  # the budget: the rest were not counted
    ids = [click_id(a) for a in answers]
    assert set(ids[:5]) == {postback_services.click_token(touch)}
    assert ids[5:] == [None] * 7


def test_a_client_that_drops_its_cookies_is_still_one_client(lamp, ref, settings, frozen):
    settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE = 5

    answers = [go(Client(), lamp, ref) for _ in range(12)]  # a new session every time

    assert all(a.status_code == 302 for a in answers)
    assert ExternalClick.objects.get().hits == 12
    assert Touch.objects.count() == 5  # one per "visitor", but no more than the address's budget


def test_the_next_window_counts_again(client, lamp, ref, frozen):
    go(client, lamp, ref)
    go(client, lamp, ref)

    frozen.shift(timedelta(minutes=31))
    go(client, lamp, ref)

    assert ExternalClick.objects.count() == 2
    assert sorted(Touch.objects.values_list("hits", flat=True)) == [1, 2]


def test_signed_in_shoppers_are_counted_apart_and_a_creators_own_click_is_no_touch(
    lamp, ref, shopper, creator
):
    shopper_client, creator_client = Client(), Client()
    shopper_client.force_login(shopper)
    creator_client.force_login(creator)

    shopper_answer = go(shopper_client, lamp, ref)
    creator_answer = go(creator_client, lamp, ref)

    assert Touch.objects.get().actor == f"u:{shopper.pk}"
    assert click_id(shopper_answer) is not None
    assert creator_answer["Location"] == STORE_URL
    assert ExternalClick.objects.count() == 2


def test_an_edited_click_id_names_no_touch(client, lamp, ref):
    token = click_id(go(client, lamp, ref))
    touch_id = signing.loads(token, salt=postback_services.CLICK_SALT)
    forged = signing.dumps(touch_id + 1, salt="another salt")

    assert postback_services.touch_of_click(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert postback_services.touch_of_click(forged) is None
    assert postback_services.touch_of_click(12) is None


def test_tapping_out_from_a_videos_anchor_is_the_video_creators_touch(
    client, lamp, ref, creator, stranger
):
    from ..factories import make_post

    post = make_post(creator=creator, products=[lamp], earns_commission=True)
    sheet = client.get(f"/feed/products/{lamp.pk}/sheet/?video={post.pk}")
    assert f"/go/{lamp.pk}/?video={post.pk}".encode() in sheet.content

    response = client.get(reverse("web:go", args=[lamp.pk]) + f"?video={post.pk}")
    assert click_id(response) is not None
    touch = Touch.objects.get(kind="external_click")
    assert (touch.creator, touch.post_id) == (creator, post.pk)

    other = make_post(creator=stranger, products=[lamp], earns_commission=False)
    response = client.get(reverse("web:go", args=[lamp.pk]) + f"?video={other.pk}")
    assert click_id(response) is None  # its creator earns nothing on the lamp
