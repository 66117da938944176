"""Creators (profiles, follows) and hashtags (views, 7-day growth, trending)."""

from __future__ import annotations

from ninja import Router

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.api import presenters
from clipcart.api.auth import bearer, bearer_or_visitor
from clipcart.api.routers.social import viewer_of
from clipcart.api.schemas import CreatorOut, ErrorOut, HashtagListOut, HashtagPageOut, ToggleOut
from clipcart.feed import pages
from clipcart.feed import selectors as feed_selectors

router = Router(tags=["creators and hashtags"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/creators/{handle}", response={200: CreatorOut, **ERRORS}, auth=bearer_or_visitor)
def creator(request, handle: str):
    profile = pages.creator_profile(handle=handle, viewer=viewer_of(request))
    person = profile.creator
    return {
        "id": person.pk,  # type: ignore[attr-defined]
        "handle": person.handle,  # type: ignore[attr-defined]
        "name": person.name,  # type: ignore[attr-defined]
        "bio": person.bio,  # type: ignore[attr-defined]
        "followers": profile.followers,
        "following": profile.following,
        "likes": profile.likes,
        "views": profile.views,
        "is_following": profile.is_following,
    }


def _follow_state(creator_id: int, active: bool) -> dict:
    return {"active": active, "count": account_selectors.follow_counts(creator_id)[0]}


@router.post("/creators/{handle}/follow", response={200: ToggleOut, **ERRORS}, auth=bearer)
def follow(request, handle: str):
    person = account_selectors.creator_by_handle(handle)
    account_services.follow(follower=request.auth, creator_id=person.pk)
    return _follow_state(person.pk, True)


@router.delete("/creators/{handle}/follow", response={200: ToggleOut, **ERRORS}, auth=bearer)
def unfollow(request, handle: str):
    person = account_selectors.creator_by_handle(handle)
    account_services.unfollow(follower=request.auth, creator_id=person.pk)
    return _follow_state(person.pk, False)


@router.get("/hashtags/trending", response={200: HashtagListOut}, auth=bearer_or_visitor)
def trending(request, limit: int = 30):
    trends = pages.trending_hashtags(limit=max(1, min(limit, 100)))
    return {"items": [presenters.hashtag(t) for t in trends]}


@router.get("/hashtags/{name}", response={200: HashtagPageOut, **ERRORS}, auth=bearer_or_visitor)
def hashtag(request, name: str):
    trend, posts = pages.hashtag_page(name=name)
    items = feed_selectors.hydrate([p.pk for p in posts], viewer=viewer_of(request), reasons={})
    return {
        **presenters.hashtag(trend),
        "post_count": trend.post_count,
        "top_videos": [presenters.video(i) for i in items],
    }
