"""GET /api/v1/feed: For You ranks honestly and skips what the viewer finished; Following is
newest first; every item carries its disclosure label and a true reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clipcart.accounts import services as account_services
from clipcart.api.schemas import FeedItemOut
from clipcart.feed.models import PostStats
from clipcart.media import services as media_services
from tests.conftest import ApiClient
from tests.factories import UserFactory, make_post, make_product

pytestmark = pytest.mark.django_db


def ids(answer) -> list[int]:
    return [item["video_id"] for item in answer.json()["items"]]


def report(api, type_: str, video_id: int) -> None:
    event = {"id": str(uuid.uuid4()), "type": type_, "ts": datetime.now(UTC).isoformat()}
    assert api.post("/events", {"events": [{**event, "video_id": video_id}]}).status_code == 202


def test_an_item_has_the_fields_of_the_contract(shopper_api, creator, product):
    post = make_post(creator=creator, products=[product], caption="Glow up #cleantok")

    item = shopper_api.get("/feed").json()["items"][0]

    assert set(item) == set(FeedItemOut.model_fields)  # the answer is not re-validated
    FeedItemOut.model_validate(item)
    assert item["video_id"] == post.pk
    assert item["creator"]["handle"] == creator.username
    assert item["caption"] == "Glow up #cleantok"
    assert item["stream_url"].endswith("posts/demo.mp4")
    assert item["poster_url"].endswith("posts/demo.jpg")
    assert item["products"] == [
        {
            "id": product.pk,
            "title": product.title,
            "price": "20.00",
            "currency": "USD",
            "image_url": None,
            "in_stock": True,
            "shop": {"id": product.shop.pk, "name": product.shop.name},
        }
    ]
    assert item["label"] == "commission"  # the creator promotes another shop's product
    assert item["reason"]
    assert item["share_url"].endswith(f"/v/{post.pk}/?ref={shopper_api_ref(shopper_api)}")


def shopper_api_ref(api) -> str:
    from clipcart.accounts.models import User

    return User.objects.get(pk=api.get("/me").json()["id"]).ref_code


def test_labels_disclose_paid_partnerships_and_commission_but_not_own_products(
    api, creator, seller, shop, product, uncapped_shopping
):
    own_product = make_product(shop=shop, title="Seller's own")
    own = make_post(creator=seller, products=[own_product])
    paid = make_post(creator=creator, products=[product], is_paid_partnership=True)
    commission = make_post(creator=creator, products=[product])
    plain = make_post(creator=creator)

    labels = {item["video_id"]: item["label"] for item in api_feed(api)}

    assert labels == {
        own.pk: None,
        paid.pk: "paid_partnership",
        commission.pk: "commission",
        plain.pk: None,
    }


def api_feed(api, **params) -> list[dict]:
    from tests.conftest import ApiClient

    client = ApiClient()
    client.client.get("/")
    session = client.client.session
    session["seen"] = True
    session.save()
    return client.get("/feed", data={"size": 50, **params}).json()["items"]


def test_a_video_watched_to_the_end_is_not_served_again_for_a_day(shopper_api, creator):
    watched, other = make_post(creator=creator), make_post(creator=creator)
    report(shopper_api, "complete", watched.pk)

    assert ids(shopper_api.get("/feed")) == [other.pk]


def test_a_video_completed_more_than_a_day_ago_may_come_back(shopper_api, shopper, creator):
    from clipcart.feed.models import Event

    watched = make_post(creator=creator)
    report(shopper_api, "complete", watched.pk)
    Event.objects.update(ts=datetime.now(UTC) - timedelta(days=1, minutes=1))

    assert ids(shopper_api.get("/feed")) == [watched.pk]


def test_not_interested_hides_the_video_for_good(shopper_api, creator):
    unwanted, other = make_post(creator=creator), make_post(creator=creator)

    assert shopper_api.post(f"/videos/{unwanted.pk}/not-interested").status_code == 204

    assert ids(shopper_api.get("/feed")) == [other.pk]


def test_for_you_prefers_engaging_videos_and_says_so(personalized, shopper_api, creator):
    dull = make_post(creator=creator, caption="meh #booktok", published_ago=timedelta(days=3))
    loved = make_post(creator=creator, caption="wow #booktok", published_ago=timedelta(days=3))
    PostStats.objects.create(post=dull, views=1000, completions=50)
    PostStats.objects.create(post=loved, views=1000, completions=900, shares=200)

    items = shopper_api.get("/feed").json()["items"]

    assert [i["video_id"] for i in items] == [loved.pk, dull.pk]
    assert items[0]["why"]["factors"][0]["name"] == "share"
    assert items[0]["reason"].endswith(": people like you share it")


def test_a_followed_creators_video_says_why(personalized, shopper, shopper_api, creator):
    account_services.follow(follower=shopper, creator_id=creator.pk)
    make_post(creator=creator, published_ago=timedelta(days=20))

    item = shopper_api.get("/feed").json()["items"][0]

    assert item["reason"].startswith(f"Because you follow @{creator.username}")
    assert item["why"]["source"] == "followed"
    assert item["following"] is True


def test_a_new_video_says_it_is_new(shopper_api, creator):
    make_post(creator=creator, published_ago=timedelta(minutes=5))

    assert shopper_api.get("/feed").json()["items"][0]["reason"] == f"New from @{creator.username}"


def test_pages_of_for_you_never_repeat_or_skip_a_video(shopper_api, creator):
    posts = [make_post(creator=creator, published_ago=timedelta(hours=n)) for n in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        answer = shopper_api.get(
            "/feed", data={"size": 3, **({"cursor": cursor} if cursor else {})}
        )
        seen += ids(answer)
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(p.pk for p in posts)
    assert len(seen) == len(set(seen))


def test_processing_failed_and_removed_posts_are_never_served(shopper_api, creator):
    live = make_post(creator=creator)
    make_post(creator=creator, status="processing")
    make_post(creator=creator, status="failed", failure_reason="Damaged")
    make_post(creator=creator, removed_at=datetime.now(UTC))

    assert ids(shopper_api.get("/feed")) == [live.pk]


def test_following_is_newest_first_and_only_followed_creators(shopper, shopper_api, creator):
    other_creator = UserFactory(is_creator=True)
    account_services.follow(follower=shopper, creator_id=creator.pk)
    older = make_post(creator=creator, published_ago=timedelta(days=3))
    newer = make_post(creator=creator, published_ago=timedelta(hours=3))
    make_post(creator=other_creator)

    answer = shopper_api.get("/feed", data={"tab": "following"})

    assert ids(answer) == [newer.pk, older.pk]
    assert answer.json()["items"][0]["reason"] == f"Because you follow @{creator.username}"


def test_following_pages_by_cursor(shopper, shopper_api, creator):
    account_services.follow(follower=shopper, creator_id=creator.pk)
    posts = [make_post(creator=creator, published_ago=timedelta(hours=n)) for n in range(5)]

    first = shopper_api.get("/feed", data={"tab": "following", "size": 2})
    rest = shopper_api.get(
        "/feed", data={"tab": "following", "size": 10, "cursor": first.json()["next_cursor"]}
    )

    assert ids(first) + ids(rest) == [p.pk for p in posts]


def test_following_needs_a_signed_in_viewer(api):
    assert api.get("/feed", data={"tab": "following"}).status_code == 401


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjogMX0", "e30"])
def test_a_forged_cursor_is_a_clear_422(shopper_api, cursor):
    answer = shopper_api.get("/feed", data={"cursor": cursor})

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "cursor"


def test_an_unknown_tab_is_a_422(shopper_api):
    assert shopper_api.get("/feed", data={"tab": "trending"}).status_code == 422


def _feed_queries(api, size: int, *, cached_cards: bool = False) -> int:
    if not cached_cards:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        answer = api.get("/feed", data={"size": size})
    assert len(answer.json()["items"]) == size
    return len(queries)


def test_the_feed_costs_the_same_queries_for_any_page_size(
    shopper, creator, shop, other_shop, uncapped_shopping
):
    account_services.follow(follower=shopper, creator_id=creator.pk)
    products = [make_product(shop=s, title=f"P{n}") for n in range(3) for s in (shop, other_shop)]
    for n in range(24):
        make_post(creator=creator if n % 2 else UserFactory(), products=products[n % 5 : n % 5 + 2])
    api = ApiClient(shopper)
    api.get("/feed")  # warm-up: the share code is made on the first request

    # 13 and 20 both hold an exploration slot (8% of slots), whose pool is read once a page.
    assert _feed_queries(api, 13) == _feed_queries(api, 20)
    # Cached cards leave only the viewer's own reads: follows, hidden videos, likes.
    assert _feed_queries(api, 13, cached_cards=True) == _feed_queries(api, 20, cached_cards=True)
    assert _feed_queries(api, 20, cached_cards=True) <= 5


def test_a_cached_feed_never_brings_back_a_removed_video(
    shopper_api, creator, django_capture_on_commit_callbacks
):
    post, other = make_post(creator=creator), make_post(creator=creator)
    shopper_api.get("/feed")  # candidates and both cards are cached now
    with django_capture_on_commit_callbacks(execute=True):
        media_services.remove_post(editor=creator, post_id=post.pk)

    assert ids(shopper_api.get("/feed")) == [other.pk]
