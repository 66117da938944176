"""Creator pages: the profile and storefront at /@handle, following, hashtags and trending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts.models import Follow
from clipcart.feed.models import CreatorStats, HashtagDay, PostStats
from clipcart.media.models import Anchor, Hashtag, Post, PostHashtag
from clipcart.web.views.creators import short_count
from tests.factories import UserFactory, make_product

pytestmark = pytest.mark.django_db


def make_post(
    creator,
    caption: str,
    *,
    views: int = 0,
    likes: int = 0,
    status: str = "ready",
    products=(),
    hashtags=(),
    removed: bool = False,
) -> Post:
    """A post as the worker leaves it, with rolled-up views."""
    now = timezone.now()
    post = Post.objects.create(
        creator=creator,
        caption=caption,
        status=status,
        published_at=now if status == "ready" else None,
        removed_at=now if removed else None,
        stream=f"posts/{creator.pk}/{caption}.mp4",
        poster=f"posts/{creator.pk}/{caption}.jpg",
        duration_ms=8000,
        like_count=likes,
    )
    for position, product in enumerate(products):
        Anchor.objects.create(post=post, product=product, position=position)
    for name in hashtags:
        tag, _ = Hashtag.objects.get_or_create(name=name)
        PostHashtag.objects.create(post=post, hashtag=tag)
    PostStats.objects.create(post=post, views=views)
    return post


def tag_views(name: str, views_by_days_ago: dict[int, int]) -> Hashtag:
    tag, _ = Hashtag.objects.get_or_create(name=name)
    today = timezone.now().date()
    for days_ago, views in views_by_days_ago.items():
        HashtagDay.objects.create(hashtag=tag, day=today - timedelta(days=days_ago), views=views)
    return tag


def profile_url(user) -> str:
    return reverse("web:creator", kwargs={"handle": user.username})


def shown_post_ids(response) -> list[int]:
    return [tile.post.pk for tile in response.context["tiles"]]


# --- Profile ------------------------------------------------------------------------------------


def test_profile_shows_the_creators_live_videos_only_with_counts(client, creator, stranger):
    older = make_post(creator, "Morning routine", views=9000, likes=1200)
    newer = make_post(creator, "Night routine", views=3345, likes=34)
    processing = make_post(creator, "Still uploading", status="processing")
    failed = make_post(creator, "Broken file", status="failed")
    removed = make_post(creator, "Taken down", removed=True)
    theirs = make_post(stranger, "Not mine", views=50)
    CreatorStats.objects.create(creator=creator, views=12_345)
    for _ in range(3):
        Follow.objects.create(follower=UserFactory(), creator=creator)
    Follow.objects.create(follower=creator, creator=stranger)

    response = client.get(f"/@{creator.username}/")

    assert response.status_code == 200
    assert shown_post_ids(response) == [newer.pk, older.pk]
    html = response.content.decode()
    for post in (newer, older):
        assert f'href="/v/{post.pk}/"' in html
    for post in (processing, failed, removed, theirs):
        assert f'href="/v/{post.pk}/"' not in html
    counts = response.context["counts"]
    assert counts == {"following": "1", "followers": "3", "likes": "1.2K", "views": "12.3K"}
    assert "12.3K" in html and "1.2K" in html
    assert "9K" in html and "3.3K" in html  # each poster's own views
    assert "@creator" in html and "Follow" in html


def test_profile_shows_a_photo_post_with_a_carousel_icon(client, creator):
    post = make_post(creator, "Outfit dump")
    Post.objects.filter(pk=post.pk).update(kind="photo", stream="", poster="")

    html = client.get(profile_url(creator)).content.decode()

    assert f'href="/v/{post.pk}/"' in html
    assert "Photo post: Outfit dump" in html and 'class="tile-kind"' in html


def test_showcase_lists_products_tagged_in_live_posts_from_two_shops(
    client, creator, shop, other_shop, product, other_product
):
    hidden = make_product(shop=shop, title="Unreleased balm")
    make_post(creator, "Serum review", products=[product])
    make_post(creator, "Book haul", products=[other_product, product])
    make_post(creator, "Draft haul", status="processing", products=[hidden])

    response = client.get(profile_url(creator) + "?tab=showcase")

    assert response.status_code == 200
    assert [p.pk for p in response.context["profile"].showcase] == [other_product.pk, product.pk]
    html = response.content.decode()
    assert "Cozy mystery novel" in html and "Book Nook" in html and "$12.50" in html
    assert "Glow serum" in html and "Glow Lab" in html and "$20.00" in html
    assert f'href="/p/{product.pk}/"' in html and f'href="/p/{other_product.pk}/"' in html
    assert "from 2 shops" in html
    assert "Unreleased balm" not in html


def test_creator_without_posts_shows_empty_states(client, creator):
    videos = client.get(profile_url(creator)).content.decode()
    showcase = client.get(profile_url(creator) + "?tab=showcase").content.decode()

    assert "No videos yet" in videos
    assert "No products yet" in showcase


def test_own_profile_links_to_the_studio_instead_of_following(client, creator):
    client.force_login(creator)

    html = client.get(profile_url(creator)).content.decode()

    assert reverse("web:studio") in html and "Post your first video" in html
    assert reverse("web:creator_follow", kwargs={"handle": "creator"}) not in html


def test_unknown_handle_is_a_404(client, db):
    response = client.get("/@nobody_here/")

    assert response.status_code == 404
    assert "No such creator." in response.content.decode()


# --- Following ----------------------------------------------------------------------------------


def test_follow_is_idempotent_and_unfollow_undoes_it(shopper_client, shopper, creator):
    url = reverse("web:creator_follow", kwargs={"handle": creator.username})

    first = shopper_client.post(url, {"action": "follow"})
    again = shopper_client.post(url, {"action": "follow"})

    assert first.status_code == again.status_code == 302
    assert first["Location"] == profile_url(creator)
    assert Follow.objects.filter(follower=shopper, creator=creator).count() == 1
    page = shopper_client.get(profile_url(creator))
    assert page.context["profile"].is_following and page.context["counts"]["followers"] == "1"
    assert 'value="unfollow"' in page.content.decode()

    shopper_client.post(url, {"action": "unfollow"})
    shopper_client.post(url, {"action": "unfollow"})

    assert not Follow.objects.filter(follower=shopper, creator=creator).exists()
    assert 'value="follow"' in shopper_client.get(profile_url(creator)).content.decode()


def test_follow_from_htmx_swaps_the_button_and_the_follower_count(shopper_client, creator):
    url = reverse("web:creator_follow", kwargs={"handle": creator.username})

    response = shopper_client.post(url, {"action": "follow"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Following" in html and 'value="unfollow"' in html
    assert '<span id="followers-count" hx-swap-oob="true">1</span>' in html


def test_anonymous_follow_is_sent_to_sign_in(client, creator):
    url = reverse("web:creator_follow", kwargs={"handle": creator.username})

    response = client.post(url, {"action": "follow"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next=/%40creator/"
    assert not Follow.objects.exists()


def test_following_yourself_is_refused(client, creator):
    client.force_login(creator)
    url = reverse("web:creator_follow", kwargs={"handle": creator.username})

    response = client.post(url, {"action": "follow"})

    assert response.status_code == 422
    assert not Follow.objects.exists()


# --- Hashtags -----------------------------------------------------------------------------------


def test_hashtag_page_shows_total_views_growth_and_top_videos_by_views(client, creator, stranger):
    # 100 views in the week before, 150 in the last 7 days: +50%.
    tag_views("glowup", {10: 60, 8: 40, 6: 50, 2: 30, 0: 70})
    few = make_post(creator, "Few views", views=10, hashtags=["glowup"])
    most = make_post(stranger, "Most views", views=5000, hashtags=["glowup"])
    some = make_post(creator, "Some views", views=400, hashtags=["glowup"])
    make_post(creator, "Removed", views=9999, hashtags=["glowup"], removed=True)
    make_post(creator, "Other tag", views=800, hashtags=["booktok"])

    response = client.get(reverse("web:hashtag", kwargs={"name": "GlowUp"}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "#glowup" in html
    assert "<strong>250</strong> views" in html and "3 posts" in html
    assert "+50% this week" in html
    assert shown_post_ids(response) == [most.pk, some.pk, few.pk]
    bars = response.context["card"].bars
    assert len(bars) == 7 and bars[-1].percent == 100 and bars[0].percent == round(100 * 50 / 70)
    assert "70 views" in bars[-1].title


def test_hashtag_with_views_only_this_week_is_new_this_week(client, creator):
    tag_views("fallfits", {1: 20})

    html = client.get(reverse("web:hashtag", kwargs={"name": "fallfits"})).content.decode()

    assert "New this week" in html


def test_hashtag_losing_views_shows_a_fall(client, creator):
    tag_views("summer", {9: 200, 3: 50})

    html = client.get(reverse("web:hashtag", kwargs={"name": "summer"})).content.decode()

    assert "−75% this week" in html


def test_hashtag_without_views_shows_an_empty_state(client, db):
    Hashtag.objects.create(name="quiet")

    response = client.get(reverse("web:hashtag", kwargs={"name": "quiet"}))

    assert response.status_code == 200
    assert "No views yet" in response.content.decode()


def test_unknown_hashtag_is_a_404(client, db):
    response = client.get(reverse("web:hashtag", kwargs={"name": "nothing"}))

    assert response.status_code == 404


def test_trending_ranks_hashtags_by_views_this_week(client, db):
    tag_views("steady", {1: 300})
    tag_views("rising", {8: 100, 0: 500})
    tag_views("old_news", {20: 10_000})

    response = client.get(reverse("web:trending"))

    html = response.content.decode()
    assert [card.trend.hashtag.name for card in response.context["cards"]] == ["rising", "steady"]
    assert html.index("#rising") < html.index("#steady")
    assert "500 views this week" in html and "+400%" in html
    assert "#old_news" not in html
    assert reverse("web:hashtag", kwargs={"name": "rising"}) in html


def test_trending_without_views_shows_an_empty_state(client, db):
    assert "Nothing trending yet" in client.get(reverse("web:trending")).content.decode()


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1K"),
        (12_345, "12.3K"),
        (999_999, "999.9K"),
        (1_250_000, "1.2M"),
        (3_000_000_000, "3B"),
    ],
)
def test_counts_are_shortened_like_the_apps_do(number, shown):
    assert short_count(number) == shown
