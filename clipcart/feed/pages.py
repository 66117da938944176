"""Reads behind the creator profile, hashtag and trending pages: posts with their view counts,
hashtags with their total views and growth over the last 7 days (sums of HashtagDay rows, so
each number can be traced to the roll-up that produced it), and a creator's views per day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.pagination import Page
from clipcart.media import selectors as media_selectors
from clipcart.media.models import Hashtag, Post

from .models import CreatorDay, CreatorStats, HashtagDay, PostStats
from .selectors import Viewer, live_posts

GROWTH_DAYS = 7


@dataclass
class CreatorProfile:
    creator: object
    followers: int
    following: int
    views: int
    likes: int
    is_following: bool
    posts: Page[Post]
    showcase: list  # catalog Product cards, from every shop the creator promotes


@dataclass
class HashtagTrend:
    hashtag: Hashtag
    total_views: int
    views_7d: int
    views_prev_7d: int
    daily: list[tuple[date, int]] = field(default_factory=list)  # the last 7 days, oldest first
    post_count: int = 0

    @property
    def growth(self) -> float | None:
        """Views of the last 7 days over the 7 before, as a fraction (+0.5 = 50% more); None
        when the earlier week had no views to compare with."""
        if not self.views_prev_7d:
            return None
        return self.views_7d / self.views_prev_7d - 1


def attach_views(posts: list[Post]) -> list[Post]:
    """Sets `views` on each post from its rolled-up stats (one query)."""
    views = dict(
        PostStats.objects.filter(post_id__in=[p.pk for p in posts]).values_list("post_id", "views")
    )
    for post in posts:
        post.views = views.get(post.pk, 0)  # type: ignore[attr-defined]
    return posts


def creator_views_by_day(*, creator_id: int, first: date, last: date) -> list[tuple[date, int]]:
    """A creator's views on each UTC day from `first` to `last`, both included, oldest first
    (one query over CreatorDay; a day without a row had no views)."""
    views = dict(
        CreatorDay.objects.filter(creator_id=creator_id, day__gte=first, day__lte=last).values_list(
            "day", "views"
        )
    )
    count = (last - first).days + 1
    days = [first + timedelta(days=n) for n in range(max(count, 0))]
    return [(day, views.get(day, 0)) for day in days]


def creator_profile(*, handle: str, viewer: Viewer, cursor: str | None = None) -> CreatorProfile:
    creator = account_selectors.creator_by_handle(handle)
    followers, following = account_selectors.follow_counts(creator.pk)
    stats = CreatorStats.objects.filter(pk=creator.pk).first()
    posts = media_selectors.creator_posts(creator_id=creator.pk, cursor=cursor)
    attach_views(posts.items)
    showcase_ids = media_selectors.showcase_product_ids(creator_id=creator.pk)
    cards = catalog_selectors.product_cards(showcase_ids)
    likes = live_posts().filter(creator=creator).aggregate(total=Sum("like_count"))["total"]
    return CreatorProfile(
        creator=creator,
        followers=followers,
        following=following,
        views=stats.views if stats else 0,
        likes=likes or 0,
        is_following=creator.pk in account_selectors.followed_ids(viewer.user_id),
        posts=posts,
        showcase=[cards[pk] for pk in showcase_ids if pk in cards],
    )


def _trends(hashtags: list[Hashtag], *, today: date) -> list[HashtagTrend]:
    week_start = today - timedelta(days=GROWTH_DAYS - 1)
    previous_start = week_start - timedelta(days=GROWTH_DAYS)
    days = HashtagDay.objects.filter(hashtag__in=hashtags)
    totals: dict[int, Any] = {
        row["hashtag_id"]: row
        for row in days.values("hashtag_id").annotate(
            total=Sum("views"),
            week=Sum("views", filter=Q(day__gte=week_start)),
            previous=Sum("views", filter=Q(day__gte=previous_start, day__lt=week_start)),
        )
    }
    daily: dict[int, dict[date, int]] = {}
    for hashtag_id, day, views in days.filter(day__gte=week_start).values_list(
        "hashtag_id", "day", "views"
    ):
        daily.setdefault(hashtag_id, {})[day] = views
    week = [week_start + timedelta(days=n) for n in range(GROWTH_DAYS)]
    return [
        HashtagTrend(
            hashtag=tag,
            total_views=(totals.get(tag.pk) or {}).get("total") or 0,
            views_7d=(totals.get(tag.pk) or {}).get("week") or 0,
            views_prev_7d=(totals.get(tag.pk) or {}).get("previous") or 0,
            daily=[(day, daily.get(tag.pk, {}).get(day, 0)) for day in week],
        )
        for tag in hashtags
    ]


def hashtag_page(*, name: str, top: int = 24) -> tuple[HashtagTrend, list[Post]]:
    """A hashtag's numbers and its top videos by views."""
    hashtag = media_selectors.hashtag_by_name(name)
    (trend,) = _trends([hashtag], today=timezone.now().date())
    tagged = live_posts().filter(hashtags=hashtag)
    trend.post_count = tagged.count()
    posts = list(
        tagged.select_related("creator", "stats")
        .prefetch_related("images")
        .order_by("-stats__views", "-pk")[:top]
    )
    return trend, attach_views(posts)


def trending_hashtags(*, limit: int = 30) -> list[HashtagTrend]:
    """Hashtags with the most views over the last 7 days, with their growth."""
    week_start = timezone.now().date() - timedelta(days=GROWTH_DAYS - 1)
    top_ids = list(
        HashtagDay.objects.filter(day__gte=week_start)
        .values("hashtag_id")
        .annotate(week=Sum("views"))
        .order_by("-week", "hashtag_id")
        .values_list("hashtag_id", flat=True)[:limit]
    )
    hashtags = {tag.pk: tag for tag in Hashtag.objects.filter(pk__in=top_ids)}
    return _trends([hashtags[pk] for pk in top_ids], today=timezone.now().date())
