"""The video feed as pages: For You, Following, shared links, and buying, liking, following and
commenting from the sheets, without leaving the feed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clipcart.checkout.models import CartLine
from clipcart.media.models import Anchor, Comment, Post, PostImage
from clipcart.orders.models import Order
from tests.factories import UserFactory, make_product

from .helpers import checkout_form, png_file, variant

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def make_post(creator, caption: str = "", *, minutes_ago: int = 0, **fields) -> Post:
    values = {
        "status": "ready",
        "published_at": timezone.now() - timedelta(minutes=minutes_ago),
        "stream": f"posts/{creator.pk}/clip.mp4",
        "poster": f"posts/{creator.pk}/clip.jpg",
        "duration_ms": 5000,
        **fields,
    }
    return Post.objects.create(creator=creator, caption=caption, **values)


def items_of(html: str) -> list[int]:
    """The post ids of the feed items on a page, in order."""
    return [int(pk) for pk in re.findall(r'data-post-id="(\d+)"', html)]


@pytest.fixture
def clip(creator, product):
    """A paid-partnership video with a hashtag and its product shown from 1 s to 4 s."""
    post = make_post(creator, "Glow in 3 steps #SkinCare", is_paid_partnership=True)
    Anchor.objects.create(post=post, product=product, start_ms=1000, end_ms=4000)
    return post


@pytest.fixture
def hoodie_clip(creator, hoodie):
    post = make_post(creator, "Cosy season", minutes_ago=5)
    Anchor.objects.create(post=post, product=hoodie, earns_commission=True)
    return post


@pytest.fixture
def shopper_htmx(shopper) -> Client:
    client = Client(headers=HTMX)
    client.force_login(shopper)
    return client


# --- The feed pages -----------------------------------------------------------------------------


def test_home_is_a_feed_of_videos_with_captions_disclosures_anchors_and_streams(
    client, clip, hoodie_clip, product
):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert set(items_of(html)) == {clip.pk, hoodie_clip.pk}
    assert "Glow in 3 steps" in html and '<a href="/tag/skincare/">#SkinCare</a>' in html
    assert "Paid partnership" in html and "Commission earned" in html
    assert f'data-product-id="{product.pk}" data-start="1000" data-end="4000"' in html
    assert 'data-start="" data-end=""' in html  # the hoodie shows the whole video
    assert f'<source src="/media/{clip.stream.name}" type="video/mp4">' in html
    assert f'poster="/media/{clip.poster.name}"' in html
    assert "playsinline muted loop" in html
    assert "Why am I seeing this?" in html and "Why this video:" in html
    assert f'href="/@{clip.creator.handle}"' in html


def test_captions_are_text_never_markup(client, creator):
    make_post(creator, "<img src=x onerror=alert(1)> #ok")

    html = client.get("/").content.decode()

    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_first_page_view_starts_a_session_for_the_events_beacon(client, clip):
    client.get("/")

    assert client.session.session_key is not None
    assert "sessionid" in client.cookies


def test_home_without_videos_invites_creators_to_post(client, db):
    html = client.get("/").content.decode()

    assert "No videos yet — be the first to post" in html and 'href="/studio/upload/"' in html


def test_following_tab_invites_an_anonymous_visitor_to_sign_in(client, clip):
    response = client.get(reverse("web:following"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to see creators you follow" in html
    assert f"{reverse('web:login')}?next=/following/" in html
    assert items_of(html) == []


def test_following_tab_without_follows_suggests_following_creators(shopper_client, clip):
    html = shopper_client.get(reverse("web:following")).content.decode()

    assert "Follow creators to fill this tab" in html and items_of(html) == []


def test_following_tab_shows_the_followed_creators_videos(shopper_client, creator, clip, seller):
    other = make_post(seller, "Not followed")
    shopper_client.post(reverse("web:feed_follow", args=[creator.pk]), headers=HTMX)

    html = shopper_client.get(reverse("web:following")).content.decode()

    assert items_of(html) == [clip.pk] and other.pk not in items_of(html)
    assert "Because you follow @creator" in html


def test_more_returns_only_the_next_items_for_infinite_scroll(client, creator):
    posts = [make_post(creator, f"Clip {n}", minutes_ago=n) for n in range(11)]

    first = client.get("/").content.decode()
    more_url = re.search(r'hx-get="(/feed/more/[^"]+)"', first).group(1).replace("&amp;", "&")
    more = client.get(more_url, headers=HTMX)

    html = more.content.decode()
    assert more.status_code == 200 and "<html" not in html
    assert len(items_of(first)) == 8
    assert sorted(items_of(first) + items_of(html)) == sorted(p.pk for p in posts)
    assert "You're all caught up" in html


def test_a_photo_post_is_a_carousel_with_dots(client, creator, product):
    post = make_post(creator, "Flat lay", kind="photo", stream="", poster="", duration_ms=None)
    for position in range(3):
        PostImage.objects.create(
            post=post, position=position, original=png_file(f"p{position}.png")
        )
    Anchor.objects.create(post=post, product=product)

    html = client.get("/").content.decode()

    assert 'class="carousel"' in html and html.count('class="dot"') == 3
    assert "<video" not in html
    assert 'data-start="" data-end=""' in html


def test_the_header_links_the_feed_trending_studio_and_the_shop(client, shopper_client, db):
    anonymous = client.get("/").content.decode()
    signed_in = shopper_client.get("/").content.decode()

    for html in (anonymous, signed_in):
        assert 'href="/trending/"' in html and f'href="{reverse("web:shop")}"' in html
    assert 'href="/studio/"' in signed_in and 'href="/studio/"' not in anonymous


def _home_queries(client, *, cold: bool) -> int:
    if cold:
        cache.clear()  # the recommender's catalogue, policy and pools are read anew
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


def _hauls(creator, shop, first: int, count: int) -> None:
    for n in range(first, first + count):
        post = make_post(creator, f"Haul {n} #haul", minutes_ago=n)
        for m in range(2):
            product = make_product(shop=shop, title=f"Mug {n}-{m}", stock=3)
            Anchor.objects.create(post=post, product=product, position=m)


def test_home_page_queries_do_not_grow_with_videos_and_products(shopper_client, creator, shop):
    _hauls(creator, shop, 0, 8)
    shopper_client.get("/")  # the session, the share code and the personalization question
    cold, warm = _home_queries(shopper_client, cold=True), _home_queries(shopper_client, cold=False)
    _hauls(creator, shop, 8, 8)

    assert _home_queries(shopper_client, cold=True) == cold
    assert _home_queries(shopper_client, cold=False) == warm
    # Warm: user, follows, hidden videos, posts, anchors, images, hashtags, hashtag views,
    # products, product images, variants, stock, likes, cart, my shops, unread notifications.
    assert warm <= 18


# --- Shared links -------------------------------------------------------------------------------


def test_a_shared_link_starts_the_feed_with_that_video_and_keeps_the_ref(
    client, clip, hoodie_clip, hoodie
):
    response = client.get(reverse("web:video", args=[hoodie_clip.pk]) + "?ref=abc")

    assert response.status_code == 200
    assert items_of(response.content.decode())[0] == hoodie_clip.pk
    assert items_of(response.content.decode()).count(hoodie_clip.pk) == 1
    assert client.session["ref"] == "abc"

    client.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {"variant_id": variant(hoodie, "Small").pk, "quantity": 1, "video": hoodie_clip.pk},
        headers=HTMX,
    )

    assert list(CartLine.objects.values_list("ref", flat=True)) == ["abc"]


def test_a_mangled_ref_is_ignored(client, clip):
    response = client.get(reverse("web:video", args=[clip.pk]) + "?ref=<script>")

    assert response.status_code == 200 and "ref" not in client.session


@pytest.mark.parametrize(
    "fields",
    [{"status": "processing", "published_at": None}, {"removed_at": timezone.now()}],
    ids=["processing", "removed"],
)
def test_a_removed_or_processing_video_is_not_found(client, creator, fields):
    post = make_post(creator, "Not for you", **fields)

    assert client.get(reverse("web:video", args=[post.pk])).status_code == 404


# --- The product sheet and buying inside it -----------------------------------------------------


def test_the_product_sheet_shows_variants_with_stock_price_and_ships_by(
    client, hoodie, hoodie_clip
):
    url = reverse("web:feed_sheet", args=[hoodie.pk]) + f"?video={hoodie_clip.pk}"
    response = client.get(url, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Cloud hoodie" in html and "Glow Lab" in html
    assert "Small" in html and "Large" in html and "Only 3 left" in html
    assert "$40.00" in html and "$44.00" in html
    assert "Ships by <strong>" in html
    assert "Add to cart" in html and "Buy now" in html


def test_adding_from_the_sheet_puts_the_line_in_the_cart_and_updates_the_count(
    client, hoodie, hoodie_clip
):
    large = variant(hoodie, "Large")

    response = client.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {"variant_id": large.pk, "quantity": 2, "video": hoodie_clip.pk},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Added to your cart" in html
    assert 'id="cart-count"' in html and 'hx-swap-oob="true"' in html and ">2</span>" in html
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(large.pk, 2)]
    event = json.loads(re.search(r"data-feed-event='([^']+)'", html).group(1))
    assert event == {"type": "add_to_cart", "product_id": hoodie.pk, "video_id": hoodie_clip.pk}


def test_adding_more_than_the_stock_says_so_in_the_sheet(client, hoodie):
    response = client.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {"variant_id": variant(hoodie, "Large").pk, "quantity": 4},
        headers=HTMX,
    )

    assert response.status_code == 409
    assert "Not enough stock" in response.content.decode()
    assert not CartLine.objects.exists()


def test_buy_now_checks_out_the_whole_cart_inside_the_sheet(
    shopper, shopper_htmx, hoodie, hoodie_clip, other_product
):
    shopper_htmx.post(
        reverse("web:feed_add", args=[other_product.pk]),
        {"variant_id": variant(other_product).pk, "quantity": 1},
    )

    step = shopper_htmx.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {"variant_id": variant(hoodie, "Large").pk, "quantity": 1, "buy_now": "1"},
    )

    html = step.content.decode()
    assert step.status_code == 200 and "<html" not in html
    assert "Checkout" in html and "Cloud hoodie" in html and "Cozy mystery novel" in html
    assert 'Place order · <span class="money">$64.49</span>' in html  # 44 + 4.99, 12.50 + 3
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)

    done = shopper_htmx.post(
        reverse("web:feed_checkout"),
        {**checkout_form(key=key), "video": hoodie_clip.pk, "product": hoodie.pk},
    )

    orders = list(Order.objects.filter(buyer=shopper).order_by("pk"))
    assert len(orders) == 2 and {o.status for o in orders} == {"paid"}
    html = done.content.decode()
    assert done.status_code == 200
    assert "Thank you, your order is placed" in html
    assert all(f"Order #{o.pk}" in html for o in orders)
    assert not CartLine.objects.filter(cart__user=shopper).exists()


def test_a_declined_card_keeps_the_checkout_in_the_sheet(shopper, shopper_htmx, hoodie):
    shopper_htmx.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {"variant_id": variant(hoodie, "Small").pk, "quantity": 1},
    )

    response = shopper_htmx.post(
        reverse("web:feed_checkout"), checkout_form(token="tok_chargeDeclined")
    )

    assert response.status_code == 402
    assert "Place order" in response.content.decode()
    assert not Order.objects.filter(buyer=shopper, status="paid").exists()


def test_buy_now_asks_an_anonymous_visitor_to_sign_in_and_keeps_the_cart(
    client, hoodie, hoodie_clip
):
    response = client.post(
        reverse("web:feed_add", args=[hoodie.pk]),
        {
            "variant_id": variant(hoodie, "Small").pk,
            "quantity": 1,
            "buy_now": "1",
            "video": hoodie_clip.pk,
        },
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200 and "Sign in to check out" in html
    assert f"?next=/v/{hoodie_clip.pk}/" in html
    assert CartLine.objects.count() == 1


# --- Likes, follows, shares, "not interested" ---------------------------------------------------


def test_like_toggles_the_like_and_its_count(shopper_htmx, clip):
    url = reverse("web:feed_like", args=[clip.pk])

    liked = shopper_htmx.post(url)
    clip.refresh_from_db()
    assert clip.like_count == 1
    assert 'aria-pressed="true"' in liked.content.decode()
    assert '"type": "like"' in liked.content.decode()

    unliked = shopper_htmx.post(url)
    clip.refresh_from_db()
    assert clip.like_count == 0
    assert 'aria-pressed="false"' in unliked.content.decode()


def test_a_liked_video_shows_as_liked_in_the_feed(shopper_client, clip):
    shopper_client.post(reverse("web:feed_like", args=[clip.pk]), headers=HTMX)

    html = shopper_client.get("/").content.decode()

    assert re.search(r'class="rail-btn like-btn" type="submit" aria-pressed="true"', html)


def test_an_anonymous_like_gets_a_sign_in_prompt_not_an_error(client, clip):
    response = client.post(reverse("web:feed_like", args=[clip.pk]), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#sheet-body"
    html = response.content.decode()
    assert "Sign in to like videos" in html and f"?next=/v/{clip.pk}/" in html
    clip.refresh_from_db()
    assert clip.like_count == 0


def test_an_anonymous_like_without_javascript_goes_to_the_login_page(client, clip):
    response = client.post(reverse("web:feed_like", args=[clip.pk]))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_follow_toggles_following_the_creator(shopper, shopper_htmx, creator, clip):
    url = reverse("web:feed_follow", args=[creator.pk])

    followed = shopper_htmx.post(url, {"handle": "creator", "video": clip.pk})
    assert creator.followers.filter(follower=shopper).exists()
    assert "Following @creator" in followed.content.decode()

    shopper_htmx.post(url, {"handle": "creator"})
    assert not creator.followers.filter(follower=shopper).exists()


def test_an_anonymous_follow_gets_a_sign_in_prompt(client, creator):
    response = client.post(reverse("web:feed_follow", args=[creator.pk]), headers=HTMX)

    assert response.status_code == 200 and "Sign in to follow creators" in response.content.decode()


def test_a_shared_link_carries_the_sharers_ref_code(shopper, shopper_client, client, clip):
    url = reverse("web:feed_share", args=[clip.pk])

    mine = shopper_client.post(url).json()["url"]
    anonymous = client.post(url).json()["url"]

    shopper.refresh_from_db()
    assert mine == f"http://testserver/v/{clip.pk}/?ref={shopper.ref_code}"
    assert anonymous == f"http://testserver/v/{clip.pk}/"


def test_not_interested_leaves_the_video_out_of_the_next_for_you(client, clip, hoodie_clip):
    assert clip.pk in items_of(client.get("/").content.decode())

    response = client.post(reverse("web:feed_not_interested", args=[clip.pk]), headers=HTMX)

    assert response.status_code == 200 and "feed:toast" in response["HX-Trigger"]
    assert items_of(client.get("/").content.decode()) == [hoodie_clip.pk]
    assert clip.pk in items_of(Client().get("/").content.decode())  # only for this visitor


# --- Comments -----------------------------------------------------------------------------------


def test_comments_are_shown_as_text(shopper_htmx, clip):
    url = reverse("web:feed_comments", args=[clip.pk])

    added = shopper_htmx.post(url, {"body": "<script>alert(1)</script>"})

    html = added.content.decode()
    assert added.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert Comment.objects.get().body == "<script>alert(1)</script>"
    assert f'id="comment-count-{clip.pk}" hx-swap-oob="true">1<' in html
    shown = Client().get(url, headers=HTMX).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert" not in shown


def test_comments_come_newest_first_a_page_at_a_time_without_hidden_ones(client, clip, shopper):
    for n in range(22):
        Comment.objects.create(post=clip, author=shopper, body=f"Comment number {n:02d}")
    Comment.objects.create(post=clip, author=shopper, body="Hidden spam", is_hidden=True)

    first = client.get(reverse("web:feed_comments", args=[clip.pk]), headers=HTMX)

    html = first.content.decode()
    assert "Hidden spam" not in html
    assert html.index("Comment number 21") < html.index("Comment number 20")
    assert "Comment number 02" in html and "Comment number 01" not in html
    more_url = re.search(r'hx-get="([^"]+cursor=[^"]+)"', html).group(1)
    rest = client.get(more_url.replace("&amp;", "&"), headers=HTMX).content.decode()
    assert "Comment number 01" in rest and "Comment number 00" in rest
    assert "Comment number 02" not in rest


def test_an_anonymous_comment_gets_a_sign_in_prompt(client, clip):
    response = client.post(
        reverse("web:feed_comments", args=[clip.pk]), {"body": "Hi"}, headers=HTMX
    )

    assert response.status_code == 200 and "Sign in to comment" in response.content.decode()
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused_in_the_sheet(shopper_htmx, clip):
    response = shopper_htmx.post(reverse("web:feed_comments", args=[clip.pk]), {"body": "  "})

    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_can_be_reported_and_its_author_can_delete_it(shopper, shopper_htmx, clip):
    stranger = UserFactory(username="troll")
    theirs = Comment.objects.create(post=clip, author=stranger, body="Buy followers here")
    mine = Comment.objects.create(post=clip, author=shopper, body="Love it")
    clip.comment_count = 2
    clip.save()

    reported = shopper_htmx.post(reverse("web:feed_comment_report", args=[theirs.pk]))
    deleted = shopper_htmx.post(
        reverse("web:feed_comment_delete", args=[mine.pk]), {"video": clip.pk}
    )

    assert reported.status_code == 200 and "Reported" in reported.content.decode()
    assert theirs.reports.filter(reporter=shopper).exists()
    assert deleted.status_code == 200 and not Comment.objects.filter(pk=mine.pk).exists()
    assert f'id="comment-count-{clip.pk}" hx-swap-oob="true">1<' in deleted.content.decode()
    assert (
        shopper_htmx.post(reverse("web:feed_comment_delete", args=[theirs.pk])).status_code == 403
    )
