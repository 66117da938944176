"""Creator pages: the profile and storefront at /@handle, following, hashtag pages and trending.

The numbers come from the feed's roll-ups (PostStats, CreatorStats, HashtagDay); these views
only shorten them for display ("12.3K") and turn a week of views into bars and a sparkline.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.affiliate import marketplace
from clipcart.core.errors import InvalidInput
from clipcart.feed import pages as feed_pages
from clipcart.feed.pages import HashtagTrend
from clipcart.feed.selectors import SESSION_CHOICE_KEY, Viewer
from clipcart.media.models import Post

from .support import htmx_redirect, shows_domain_errors

TRENDING_SHOWN = 30
SPARK_WIDTH, SPARK_HEIGHT = 96, 28


# --- Display values -----------------------------------------------------------------------------


def short_count(number: int) -> str:
    """12_345 → "12.3K", as short-video apps write counts. Truncated, never rounded up, so a
    creator at 999,999 views does not read "1M" before they get there."""
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if number >= size:
            tenths = number * 10 // size
            return f"{tenths // 10}.{tenths % 10}".removesuffix(".0") + suffix
    return str(number)


@dataclass(frozen=True)
class Tile:
    """One post in a grid of posters."""

    post: Post
    cover: str | None  # URL of the poster or first photo
    views: str
    is_photo: bool
    photo_count: int


def tile(post: Post) -> Tile:
    is_photo = post.kind == Post.Kind.PHOTO
    images = list(post.images.all()) if is_photo else []
    if is_photo:  # the resized copy: the original may carry the phone's EXIF (GPS)
        cover = images[0].image.url if images and images[0].image else None
    else:
        cover = post.poster.url if post.poster else None
    views = getattr(post, "views", 0)
    return Tile(post, cover, short_count(views), is_photo, len(images))


@dataclass(frozen=True)
class Bar:
    label: str  # "Mon"
    title: str  # "Mon Apr 7: 1,204 views"
    percent: int  # of the week's highest day


@dataclass(frozen=True)
class TrendCard:
    trend: HashtagTrend
    total: str
    week: str
    growth: str  # "+48% this week", "New this week", or "" with no views at all
    tone: str
    bars: list[Bar]
    spark: str  # SVG polyline points


def growth_text(trend: HashtagTrend) -> tuple[str, str]:
    """What the growth pill says, and its tone."""
    if trend.growth is None:
        return ("New this week", "accent") if trend.views_7d else ("", "muted")
    percent = round(trend.growth * 100)
    if percent >= 0:
        return f"+{percent}% this week", "good"
    return f"−{-percent}% this week", "bad"


def _bars(trend: HashtagTrend) -> list[Bar]:
    top = max((views for _, views in trend.daily), default=0)
    bars = []
    for day, views in trend.daily:
        # A day with views always shows a sliver, so "few" never reads as "none".
        percent = max(4, round(100 * views / top)) if views else 0
        title = f"{day:%a %b} {day.day}: {views:,} view{'s' if views != 1 else ''}"
        bars.append(Bar(f"{day:%a}", title, percent))
    return bars


def _spark(trend: HashtagTrend) -> str:
    values = [views for _, views in trend.daily] or [0]
    top, steps = max(values) or 1, max(len(values) - 1, 1)
    inner = SPARK_HEIGHT - 4  # room for the stroke at the top and bottom
    return " ".join(
        f"{n * SPARK_WIDTH / steps:.1f},{2 + inner - inner * value / top:.1f}"
        for n, value in enumerate(values)
    )


def trend_card(trend: HashtagTrend) -> TrendCard:
    growth, tone = growth_text(trend)
    return TrendCard(
        trend=trend,
        total=short_count(trend.total_views),
        week=short_count(trend.views_7d),
        growth=growth,
        tone=tone,
        bars=_bars(trend),
        spark=_spark(trend),
    )


# --- Profile and following ----------------------------------------------------------------------


def _viewer(request: HttpRequest) -> Viewer:
    return Viewer(
        user=request.user,
        session_key=request.session.session_key,
        session_choice=request.session.get(SESSION_CHOICE_KEY),
    )


@shows_domain_errors
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    found = feed_pages.creator_profile(handle=handle, viewer=_viewer(request), cursor=cursor)
    context = {
        "profile": found,
        "creator": found.creator,
        "tiles": [tile(post) for post in found.posts.items],
        "next_cursor": found.posts.next_cursor,
        "tab": "showcase" if request.GET.get("tab") == "showcase" else "videos",
        "is_self": found.creator.pk == request.user.pk,  # type: ignore[attr-defined]
        "shop_count": len({product.shop_id for product in found.showcase}),
        "counts": {
            "following": short_count(found.following),
            "followers": short_count(found.followers),
            "likes": short_count(found.likes),
            "views": short_count(found.views),
        },
    }
    if request.htmx and cursor:  # type: ignore[attr-defined]  # "Load more" of the grid
        return render(request, "web/creators/_tiles_page.html", context)
    creator_id = found.creator.pk  # type: ignore[attr-defined]
    context["storefront"] = marketplace.storefront(creator_id=creator_id)
    return render(request, "web/creators/profile.html", context)


@require_POST
@shows_domain_errors
def follow(request: HttpRequest, handle: str) -> HttpResponse:
    """Follows or unfollows, as the button says (`action`): sent twice, it changes nothing more."""
    creator = account_selectors.creator_by_handle(handle)
    profile_url = reverse("web:creator", kwargs={"handle": creator.username})
    if not request.user.is_authenticated:
        login = redirect_to_login(profile_url)
        return htmx_redirect(request, login["Location"]) or login
    action = request.POST.get("action")
    if action == "follow":
        account_services.follow(follower=request.user, creator_id=creator.pk)
    elif action == "unfollow":
        account_services.unfollow(follower=request.user, creator_id=creator.pk)
    else:
        raise InvalidInput("Say whether to follow or unfollow.", field="action")
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(profile_url)
    followers, _ = account_selectors.follow_counts(creator.pk)
    context = {
        "creator": creator,
        "is_following": action == "follow",
        "followers": short_count(followers),
        "oob": True,
    }
    return render(request, "web/creators/_follow.html", context)


# --- Hashtags -----------------------------------------------------------------------------------


@shows_domain_errors
def hashtag(request: HttpRequest, name: str) -> HttpResponse:
    trend, posts = feed_pages.hashtag_page(name=name)
    context = {
        "card": trend_card(trend),
        "hashtag": trend.hashtag,
        "post_count": trend.post_count,
        "tiles": [tile(post) for post in posts],
    }
    return render(request, "web/creators/hashtag.html", context)


def trending(request: HttpRequest) -> HttpResponse:
    cards = [trend_card(trend) for trend in feed_pages.trending_hashtags(limit=TRENDING_SHOWN)]
    return render(request, "web/creators/trending.html", {"cards": cards})
