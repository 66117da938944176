"""Reads of the media app. Each selector loads what its callers show in a fixed number of
queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache

from clipcart.core.errors import NotFound
from clipcart.core.pagination import Page, paginate_by_pk

from .models import Anchor, Comment, Hashtag, Like, Post, PostHashtag


def creators_and_hashtags(post_ids: Iterable[int]) -> dict[int, tuple[int, list[int]]]:
    """post id → (creator id, hashtag ids), for posts that still exist (two queries)."""
    ids = list(post_ids)
    tags: dict[int, list[int]] = defaultdict(list)
    for post_id, hashtag_id in PostHashtag.objects.filter(post_id__in=ids).values_list(
        "post_id", "hashtag_id"
    ):
        tags[post_id].append(hashtag_id)
    return {
        post_id: (creator_id, tags[post_id])
        for post_id, creator_id in Post.objects.filter(pk__in=ids).values_list("pk", "creator_id")
    }


def posts_for_display(post_ids: Iterable[int]) -> dict[int, Post]:
    """Posts with creator, anchors, images and hashtags, keyed by id (four queries)."""
    posts = (
        Post.objects.filter(pk__in=list(post_ids))
        .select_related("creator")
        .prefetch_related("anchors", "images", "hashtags")
    )
    return {post.pk: post for post in posts}


def liked_ids(*, user_id: int | None, post_ids: Iterable[int]) -> set[int]:
    if not user_id:
        return set()
    return set(
        Like.objects.filter(user_id=user_id, post_id__in=list(post_ids)).values_list(
            "post_id", flat=True
        )
    )


def creator_posts(*, creator_id: int, cursor: str | None, size: int = 18) -> Page[Post]:
    """A creator's live posts, newest first, for their profile grid."""
    posts = Post.objects.filter(
        creator_id=creator_id, status=Post.Status.READY, removed_at__isnull=True
    ).prefetch_related("images")
    return paginate_by_pk(posts, cursor=cursor, size=size)


def studio_posts(*, creator_id: int, cursor: str | None, size: int = 24) -> Page[Post]:
    """Every post of the creator that is not removed, in any status, for their studio."""
    posts = Post.objects.filter(creator_id=creator_id, removed_at__isnull=True).prefetch_related(
        "anchors", "hashtags", "images"
    )
    return paginate_by_pk(posts, cursor=cursor, size=size)


def showcase_product_ids(*, creator_id: int, limit: int = 24) -> list[int]:
    """Products the creator promotes in live posts, most recently tagged first."""
    rows = (
        Anchor.objects.filter(
            post__creator_id=creator_id,
            post__status=Post.Status.READY,
            post__removed_at__isnull=True,
            product__isnull=False,
        )
        .order_by("-post_id", "position")
        .values_list("product_id", flat=True)
    )
    return list(dict.fromkeys(rows[: limit * 6]))[:limit]


def commission_anchors(post_ids: Iterable[int]) -> dict[int, tuple[int, set[int]]]:
    """For each live post with commission-earning product anchors: (creator id, product ids)."""
    rows = Anchor.objects.filter(
        post_id__in=list(post_ids),
        earns_commission=True,
        post__removed_at__isnull=True,
        product__isnull=False,
    ).values_list("post_id", "post__creator_id", "product_id")
    found: dict[int, tuple[int, set[int]]] = {}
    for post_id, creator_id, product_id in rows:
        found.setdefault(post_id, (creator_id, set()))[1].add(product_id)
    return found


def hashtag_by_name(name: str) -> Hashtag:
    hashtag = Hashtag.objects.filter(name=name.lower().lstrip("#")).first()
    if hashtag is None:
        raise NotFound("No such hashtag.", code="hashtag_not_found")
    return hashtag


def comments_of(*, post_id: int, cursor: str | None, size: int = 20) -> Page[Comment]:
    """Visible comments of a live post, newest first, with their authors."""
    if not Post.objects.filter(
        pk=post_id, status=Post.Status.READY, removed_at__isnull=True
    ).exists():
        raise NotFound("No such video.", code="post_not_found")
    comments = Comment.objects.filter(post_id=post_id, is_hidden=False).select_related("author")
    return paginate_by_pk(comments, cursor=cursor, size=size)


# Bumped whenever a post enters or leaves the set of live posts, so readers that cache
# something derived from that set (the feed's candidates) can key their cache on it.
LIVE_SET_VERSION_KEY = "media:live-set-version"


def live_set_version() -> int:
    return cache.get_or_set(LIVE_SET_VERSION_KEY, 1, timeout=None) or 1


def hashtag_ids_of(post_ids: Iterable[int]) -> dict[int, list[int]]:
    """post id → its hashtag ids (one query)."""
    tags: dict[int, list[int]] = defaultdict(list)
    rows = PostHashtag.objects.filter(post_id__in=list(post_ids)).order_by("pk")
    for post_id, hashtag_id in rows.values_list("post_id", "hashtag_id"):
        tags[post_id].append(hashtag_id)
    return tags


def tagged_product_ids(post_ids: Iterable[int]) -> dict[int, list[int]]:
    """post id → the catalogue products its anchors tag, in anchor order (one query)."""
    products: dict[int, list[int]] = defaultdict(list)
    anchors = Anchor.objects.filter(post_id__in=list(post_ids), product__isnull=False)
    for post_id, product_id in anchors.order_by("position", "pk").values_list(
        "post_id", "product_id"
    ):
        products[post_id].append(product_id)
    return products


def hashtag_names(hashtag_ids: Iterable[int]) -> dict[int, str]:
    return dict(Hashtag.objects.filter(pk__in=list(hashtag_ids)).values_list("pk", "name"))


def likes_of(user_id: int):
    """A person's likes, oldest first: (post id, liked at), lazily."""
    return (
        Like.objects.filter(user_id=user_id)
        .order_by("created_at", "id")
        .values_list("post_id", "created_at")
    )
