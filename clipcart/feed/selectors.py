"""Reads of the feed: the For You and Following pages, built in a fixed number of queries
whatever the page size (tests/feed asserts it)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from django.db.models import QuerySet, Sum

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput, NotAuthenticated, NotFound
from clipcart.core.pagination import MAX_PAGE_SIZE
from clipcart.media import selectors as media_selectors
from clipcart.media.models import Post

from .models import Event, HashtagDay

FEED_PAGE_SIZE = 8
# A video watched to the end is not served again to that viewer for a day.
REWATCH_AFTER = timedelta(days=1)


# Where an anonymous visitor's answer to "personalize your feed?" is kept in their session.
SESSION_CHOICE_KEY = "feed_personalization"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user, an anonymous browser session, or nobody known."""

    user: object | None = None
    session_key: str | None = None
    # An anonymous visitor's answer to "personalize your feed?", kept in their session.
    session_choice: bool | None = None

    @cached_property
    def privacy(self) -> account_selectors.FeedPrivacy:
        return account_selectors.feed_privacy(self.user, session_choice=self.session_choice)

    @property
    def user_id(self) -> int | None:
        user = self.user
        return user.pk if user is not None and user.is_authenticated else None  # type: ignore[attr-defined]

    @property
    def actor(self) -> str | None:
        if self.user_id:
            return f"u:{self.user_id}"
        return f"s:{self.session_key}" if self.session_key else None


@dataclass
class FeedItem:
    post: Post
    anchors: list  # media Anchor rows, each with `card` (the product, or None for a link)
    label: str | None
    reason: str
    liked: bool
    following: bool
    top_tag: str | None = None  # the post's most viewed hashtag


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


# --- Cursors ------------------------------------------------------------------------------------


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode(cursor: str, *, keys: tuple[str, ...]) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(state, dict) or set(state) != set(keys):
            raise ValueError
        for key in keys:
            if isinstance(state[key], bool) or not isinstance(state[key], (int, float)):
                raise ValueError
        return state
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid.", field="cursor") from None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    """Exact integer microseconds: a float timestamp could miss the row the cursor points at."""
    return (at - EPOCH) // timedelta(microseconds=1)


def _from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


# --- Candidates and exclusions ------------------------------------------------------------------


def live_posts() -> QuerySet[Post]:
    return Post.objects.filter(status=Post.Status.READY, removed_at__isnull=True)


def hidden_ids(viewer: Viewer, *, now: datetime) -> set[int]:
    """Posts the viewer completed in the last day or marked "not interested" (one query)."""
    if viewer.actor is None:
        return set()
    recent_completes = Event.objects.filter(
        actor=viewer.actor, type=Event.Type.COMPLETE, ts__gte=now - REWATCH_AFTER
    )
    not_interested = Event.objects.filter(actor=viewer.actor, type=Event.Type.NOT_INTERESTED)
    hidden = (recent_completes | not_interested).filter(video_id__isnull=False)
    # order_by(): the model's default ordering would add `id` to the DISTINCT.
    return {pk for pk in hidden.order_by().values_list("video_id", flat=True).distinct() if pk}


# --- Pages --------------------------------------------------------------------------------------


def _page_size(size: int) -> int:
    return max(1, min(size, MAX_PAGE_SIZE))


@dataclass(frozen=True)
class RankedPage:
    """Which posts a feed page shows, in order, and why: everything but their display data."""

    post_ids: list[int]
    factors: dict[int, str]  # post id → the kind of reason ("follow" on Following)
    followed: frozenset[int]
    next_cursor: str | None
    reasons: dict[int, str] = field(default_factory=dict)  # post id → "why am I seeing this"
    why: dict[int, dict] = field(default_factory=dict)  # post id → its source and top factors


def rank_for_you(
    *, viewer: Viewer, cursor: str | None = None, size: int = FEED_PAGE_SIZE
) -> RankedPage:
    """The recommender's page (feed/foryou/serve.py): personalized when the viewer chose it,
    popular in their region otherwise."""
    from .foryou.serve import for_you as serve_for_you  # the recommender imports this module

    page = serve_for_you(viewer=viewer, cursor=cursor, size=_page_size(size))
    return RankedPage(
        post_ids=page.post_ids,
        factors={pk: why.source for pk, why in page.why.items()},
        followed=page.followed,
        next_cursor=page.next_cursor,
        reasons=page.reasons,
        why={pk: why.as_dict() for pk, why in page.why.items()},
    )


def rank_following(
    *, viewer: Viewer, cursor: str | None = None, size: int = FEED_PAGE_SIZE
) -> RankedPage:
    """Posts of the creators the viewer follows, newest first."""
    if not viewer.user_id:
        raise NotAuthenticated("Sign in to see the creators you follow.")
    size = _page_size(size)
    followed = frozenset(account_selectors.followed_ids(viewer.user_id))
    posts = live_posts().filter(creator_id__in=followed)
    if cursor:
        state = _decode(cursor, keys=("t", "i"))
        at = _from_micros(int(state["t"]))
        posts = posts.filter(published_at__lte=at).exclude(published_at=at, pk__gte=state["i"])
    rows = list(
        posts.order_by("-published_at", "-pk").values_list("pk", "published_at")[: size + 1]
    )
    page = rows[:size]
    next_cursor = None
    if len(rows) > size:
        next_cursor = _encode({"t": _micros(page[-1][1]), "i": page[-1][0]})  # type: ignore[arg-type]
    return RankedPage(
        post_ids=[pk for pk, _ in page],
        factors={pk: "follow" for pk, _ in page},
        followed=followed,
        next_cursor=next_cursor,
    )


def _hydrated(ranked: RankedPage, viewer: Viewer) -> FeedPage:
    items = hydrate(
        ranked.post_ids,
        viewer=viewer,
        reasons=ranked.factors,
        followed=ranked.followed,
        texts=ranked.reasons,
    )
    return FeedPage(items=items, next_cursor=ranked.next_cursor)


def for_you(*, viewer: Viewer, cursor: str | None = None, size: int = FEED_PAGE_SIZE) -> FeedPage:
    return _hydrated(rank_for_you(viewer=viewer, cursor=cursor, size=size), viewer)


def following(*, viewer: Viewer, cursor: str | None = None, size: int = FEED_PAGE_SIZE) -> FeedPage:
    return _hydrated(rank_following(viewer=viewer, cursor=cursor, size=size), viewer)


# --- Hydration: everything a page shows, in a fixed number of queries ---------------------------


def top_hashtag_of(posts: list[Post]) -> dict[int, str]:
    """post id → its hashtag with the most views (one query over the posts' prefetched tags)."""
    tag_ids = {tag.pk for post in posts for tag in post.hashtags.all()}
    views = dict(
        HashtagDay.objects.filter(hashtag_id__in=tag_ids)
        .values("hashtag_id")
        .annotate(total=Sum("views"))
        .values_list("hashtag_id", "total")
    )
    top = {}
    for post in posts:
        tags = sorted(post.hashtags.all(), key=lambda t: (views.get(t.pk, 0), t.name), reverse=True)
        if tags:
            top[post.pk] = tags[0].name
    return top


def label_of(post: Post) -> str | None:
    """The disclosure shown on the post. A paid partnership is named as such even when its
    anchors also earn commission: it is the stronger relationship to disclose."""
    if post.is_paid_partnership:
        return "paid_partnership"
    if any(anchor.earns_commission for anchor in post.anchors.all()):
        return "commission"
    return None


def reason_text(factor: str | None, *, handle: str, top_tag: str | None) -> str:
    """The "why am I seeing this" sentence for the term that ranked the post."""
    if factor == "follow":
        return f"Because you follow @{handle}"
    if factor in ("engagement", "completion") and top_tag:
        return f"Popular in #{top_tag}"
    if factor in ("engagement", "completion"):
        return "Popular on Clipcart right now"
    if factor == "recency":
        return f"New from @{handle}"
    if factor == "shared":
        return "Shared with you"
    return f"From @{handle}"


def hydrate(
    post_ids: list[int],
    *,
    viewer: Viewer,
    reasons: dict[int, str],
    followed: frozenset[int] | None = None,
    texts: dict[int, str] | None = None,
) -> list[FeedItem]:
    """Feed items for `post_ids`, in that order. `texts` are reasons already written (For
    You's); otherwise `reasons` names the kind of reason and reason_text writes it."""
    posts = media_selectors.posts_for_display(post_ids)
    anchors = [a for post in posts.values() for a in post.anchors.all()]
    cards = catalog_selectors.product_cards(a.product_id for a in anchors if a.product_id)
    for anchor in anchors:
        anchor.card = cards.get(anchor.product_id or 0)  # type: ignore[attr-defined]
    liked = media_selectors.liked_ids(user_id=viewer.user_id, post_ids=post_ids)
    if followed is None:
        followed = frozenset(account_selectors.followed_ids(viewer.user_id))
    top_tags = top_hashtag_of(list(posts.values()))
    items = []
    for post_id in post_ids:
        post = posts.get(post_id)
        if post is None:
            continue
        shown = [a for a in post.anchors.all() if a.product_id is None or a.card is not None]  # type: ignore[attr-defined]
        items.append(
            FeedItem(
                post=post,
                anchors=shown,
                label=label_of(post),
                reason=(texts or {}).get(post_id)
                or reason_text(
                    reasons.get(post_id),
                    handle=post.creator.handle,  # type: ignore[attr-defined]
                    top_tag=top_tags.get(post_id),
                ),
                top_tag=top_tags.get(post_id),
                liked=post_id in liked,
                following=post.creator_id in followed,
            )
        )
    return items


def single(*, post_id: int, viewer: Viewer, reason: str = "shared") -> FeedItem:
    """One post as a feed item (a shared link, the video's own page). Posts still processing,
    failed or removed exist only for their creator; to anyone else they are not found."""
    items = hydrate([post_id], viewer=viewer, reasons={post_id: reason})
    if not items:
        raise NotFound("No such video.", code="post_not_found")
    post = items[0].post
    own = viewer.user_id is not None and post.creator_id == viewer.user_id
    if not post.is_live and not (own and post.removed_at is None):
        raise NotFound("No such video.", code="post_not_found")
    return items[0]
