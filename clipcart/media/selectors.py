"""Reads of the media app. Each selector loads what its callers show in a fixed number of
queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .models import Like, Post, PostHashtag


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
