"""Videos, the feed, events, and the social actions around them (API.md "Videos, feed, events").

Writes need a bearer token; reads of public things and the events beacon also accept the page's
session or an anonymous visitor (auth.bearer_or_visitor)."""

from __future__ import annotations

import json

from django.http import JsonResponse
from ninja import Router, Status

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.api import feed_cards, presenters
from clipcart.api.auth import bearer, bearer_or_visitor, user_of
from clipcart.api.schemas import (
    CommentIn,
    CommentListOut,
    CommentOut,
    ErrorOut,
    EventIn,
    EventsAcceptedOut,
    FeedOut,
    ReportIn,
    ShareOut,
    ToggleOut,
    VideoCreatedOut,
    VideoListOut,
    VideoOut,
    VideoPatchIn,
)
from clipcart.core.errors import InvalidInput
from clipcart.feed import selectors as feed_selectors
from clipcart.feed import services as feed_services
from clipcart.media import selectors as media_selectors
from clipcart.media import services as media_services
from clipcart.media.services import AnchorSpec

router = Router(tags=["videos and feed"])
ERRORS = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def viewer_of(request) -> feed_selectors.Viewer:
    return feed_selectors.Viewer(
        user=user_of(request),
        session_key=request.session.session_key,
        session_choice=request.session.get(feed_selectors.SESSION_CHOICE_KEY),
    )


def share_url(request, post_id: int, *, user=None) -> str:
    url = request.build_absolute_uri(f"/v/{post_id}/")
    return f"{url}?ref={account_services.ensure_ref_code(user=user)}" if user else url


# --- Upload and edit ----------------------------------------------------------------------------


def _anchor_specs(raw_anchors: str, raw_product_ids: str) -> list[AnchorSpec]:
    """`anchors` (JSON list of {product_id | url+title, start?, end?}) or, as API.md's minimal
    form, `product_ids` ("12,15")."""
    if not raw_anchors:
        return [
            AnchorSpec(product_id=pk) for pk in media_services.parse_product_ids(raw_product_ids)
        ]
    try:
        items = json.loads(raw_anchors)
    except ValueError:
        raise InvalidInput("anchors is a JSON list.", field="anchors") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("anchors is a JSON list of objects.", field="anchors")
    return [_spec(item, index) for index, item in enumerate(items)]


def _spec(item: dict, index: int) -> AnchorSpec:
    product_ids = (
        media_services.parse_product_ids([item["product_id"]]) if item.get("product_id") else []
    )
    return AnchorSpec(
        product_id=product_ids[0] if product_ids else None,
        url=str(item.get("url") or ""),
        title=str(item.get("title") or ""),
        start_ms=media_services.parse_seconds(item.get("start"), field=f"anchors.{index}.start"),
        end_ms=media_services.parse_seconds(item.get("end"), field=f"anchors.{index}.end"),
    )


def _flag(raw: str) -> bool:
    if raw.lower() not in ("", "true", "false", "1", "0", "on", "off"):
        raise InvalidInput("Use true or false.", field="paid_partnership")
    return raw.lower() in ("true", "1", "on")


_UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "images": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": 10,
                        },
                        "caption": {"type": "string", "maxLength": 2200},
                        "hashtags": {"type": "string", "example": "#cleantok #booktok"},
                        "product_ids": {"type": "string", "example": "12,15"},
                        "anchors": {
                            "type": "string",
                            "description": "JSON list of {product_id | url+title, start?, end?}"
                            " (seconds); replaces product_ids when given. At most 6.",
                        },
                        "paid_partnership": {"type": "boolean"},
                    },
                }
            }
        },
    }
}


# The form is read by hand, after check_upload_size: a declared File parameter would make
# ninja parse the whole body before the handler could refuse an oversized one.
@router.post(
    "/videos",
    response={202: VideoCreatedOut, **ERRORS},
    auth=bearer,
    openapi_extra=_UPLOAD_FORM,
)
def upload_video(request):
    """Multipart: `file` (a video) or `images` (1–10 photos), `caption`, `hashtags`,
    `product_ids` or `anchors`, `paid_partnership`. Answers 202 while the video is processed."""
    from clipcart.media.uploads import check_upload_size

    check_upload_size(request)  # before request.FILES: a 5 GB body is refused unread
    fields = {
        "caption": request.POST.get("caption", ""),
        "hashtags": request.POST.get("hashtags", ""),
        "anchors": _anchor_specs(
            request.POST.get("anchors", ""), request.POST.get("product_ids", "")
        ),
        "is_paid_partnership": _flag(request.POST.get("paid_partnership", "")),
    }
    if request.FILES.getlist("images"):
        post = media_services.create_photo_post(
            creator=request.auth, uploads=request.FILES.getlist("images"), **fields
        )
    elif "file" in request.FILES:
        post = media_services.create_video_post(
            creator=request.auth, upload=request.FILES["file"], **fields
        )
    else:
        raise InvalidInput("Send a video as `file` or photos as `images`.", field="file")
    post.refresh_from_db(fields=["status"])  # eager processing (tests) may have finished it
    return Status(202, {"id": post.pk, "status": post.status})


@router.get("/videos/{video_id}", response={200: VideoOut, 404: ErrorOut}, auth=bearer_or_visitor)
def get_video(request, video_id: int):
    """A live video; its creator also sees it while processing or after it failed."""
    return presenters.video(feed_selectors.single(post_id=video_id, viewer=viewer_of(request)))


@router.get("/videos", response={200: VideoListOut, **ERRORS}, auth=bearer_or_visitor)
def list_videos(request, creator: str, cursor: str | None = None):
    """A creator's live videos, newest first (`creator` is the handle)."""
    profile_user = account_selectors.creator_by_handle(creator)
    page = media_selectors.creator_posts(creator_id=profile_user.pk, cursor=cursor)
    items = feed_selectors.hydrate(
        [p.pk for p in page.items], viewer=viewer_of(request), reasons={}
    )
    return {"items": [presenters.video(i) for i in items], "next_cursor": page.next_cursor}


@router.get("/me/videos", response={200: VideoListOut, **ERRORS}, auth=bearer)
def my_videos(request, cursor: str | None = None):
    """The caller's own posts in every status (processing, ready, failed with its reason)."""
    page = media_selectors.studio_posts(creator_id=request.auth.pk, cursor=cursor)
    items = feed_selectors.hydrate(
        [p.pk for p in page.items], viewer=viewer_of(request), reasons={}
    )
    return {"items": [presenters.video(i) for i in items], "next_cursor": page.next_cursor}


@router.patch("/videos/{video_id}", response={200: VideoOut, **ERRORS}, auth=bearer)
def edit_video(request, video_id: int, payload: VideoPatchIn):
    anchors = None
    if payload.anchors is not None:
        anchors = [_spec(a.dict(), i) for i, a in enumerate(payload.anchors)]
    media_services.update_post(
        editor=request.auth,
        post_id=video_id,
        caption=payload.caption,
        hashtags=payload.hashtags,
        anchors=anchors,
        is_paid_partnership=payload.paid_partnership,
    )
    return presenters.video(feed_selectors.single(post_id=video_id, viewer=viewer_of(request)))


@router.delete("/videos/{video_id}", response={204: None, **ERRORS}, auth=bearer)
def delete_video(request, video_id: int):
    media_services.remove_post(editor=request.auth, post_id=video_id)
    return Status(204, None)


# --- Feed and events ----------------------------------------------------------------------------


@router.get("/feed", response={200: FeedOut, **ERRORS}, auth=bearer_or_visitor)
def feed(request, cursor: str | None = None, tab: str = "for_you", size: int = 8):
    """`tab` is `for_you` (ranked) or `following` (newest first, signed-in only)."""
    if tab not in ("for_you", "following"):
        raise InvalidInput("tab is for_you or following.", field="tab")
    rank = feed_selectors.rank_for_you if tab == "for_you" else feed_selectors.rank_following
    viewer = viewer_of(request)
    ranked = rank(viewer=viewer, cursor=cursor, size=size)
    cards = feed_cards.cards(ranked.post_ids)
    liked = media_selectors.liked_ids(user_id=viewer.user_id, post_ids=ranked.post_ids)
    body = {
        "items": [
            _feed_item(request, ranked, cards[pk], pk, liked=pk in liked)
            for pk in ranked.post_ids
            if pk in cards
        ],
        "next_cursor": ranked.next_cursor,
    }
    # FeedOut documents this answer; re-validating the presenters' dicts against it cost about
    # 2 ms a request, a tenth of the feed's time (tests/feed checks the shape instead).
    return JsonResponse(body)


def _feed_item(request, ranked, card: dict, video_id: int, *, liked: bool) -> dict:
    creator = card["creator"]
    item = presenters.feed_item(
        card,
        video_id=video_id,
        reason=ranked.reasons.get(video_id)
        or feed_selectors.reason_text(
            ranked.factors.get(video_id), handle=creator["handle"], top_tag=card["top_tag"]
        ),
        liked=liked,
        following=creator["id"] in ranked.followed,
        share_url=share_url(request, video_id, user=user_of(request)),
    )
    item["why"] = ranked.why.get(video_id)
    return item


@router.post("/events", response={202: EventsAcceptedOut, **ERRORS}, auth=bearer_or_visitor)
def events(request, payload: EventIn):
    """A batch of at most 500 client events; ids are client-made and counted once."""
    result = feed_services.ingest_events(
        user=user_of(request), session_key=request.session.session_key, events=payload.events
    )
    affiliate_services.record_event_touches(actor=result.actor, events=result.events)
    return Status(202, {"accepted": result.accepted, "duplicates": result.duplicates})


# --- Likes, shares, "not interested" ------------------------------------------------------------


def _like_state(video_id: int) -> dict:
    post = media_services.live_post(video_id)
    return {"count": post.like_count}


@router.post("/videos/{video_id}/like", response={200: ToggleOut, **ERRORS}, auth=bearer)
def like(request, video_id: int):
    media_services.like_post(user=request.auth, post_id=video_id)
    return {"active": True, **_like_state(video_id)}


@router.delete("/videos/{video_id}/like", response={200: ToggleOut, **ERRORS}, auth=bearer)
def unlike(request, video_id: int):
    media_services.unlike_post(user=request.auth, post_id=video_id)
    return {"active": False, **_like_state(video_id)}


@router.post("/videos/{video_id}/share", response={200: ShareOut, **ERRORS}, auth=bearer)
def share(request, video_id: int):
    """A link to the video carrying the caller's ref code (credited if a purchase follows)."""
    media_services.live_post(video_id)
    code = account_services.ensure_ref_code(user=request.auth)
    return {"url": share_url(request, video_id, user=request.auth), "ref": code}


@router.post("/videos/{video_id}/not-interested", response={204: None, **ERRORS}, auth=bearer)
def not_interested(request, video_id: int):
    """Hides the video from the caller's For You from now on."""
    media_services.live_post(video_id)
    feed_services.record_event(
        user=request.auth, session_key=None, type="not_interested", video_id=video_id
    )
    return Status(204, None)


# --- Comments -----------------------------------------------------------------------------------


@router.get(
    "/videos/{video_id}/comments", response={200: CommentListOut, **ERRORS}, auth=bearer_or_visitor
)
def comments(request, video_id: int, cursor: str | None = None):
    page = media_selectors.comments_of(post_id=video_id, cursor=cursor)
    return {"items": [presenters.comment(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/videos/{video_id}/comments", response={201: CommentOut, **ERRORS}, auth=bearer)
def add_comment(request, video_id: int, payload: CommentIn):
    """Plain text up to 500 characters; clients must display it as text, never as HTML."""
    comment = media_services.add_comment(author=request.auth, post_id=video_id, body=payload.body)
    return Status(201, presenters.comment(comment))


@router.delete("/comments/{comment_id}", response={204: None, **ERRORS}, auth=bearer)
def delete_comment(request, comment_id: int):
    media_services.delete_comment(user=request.auth, comment_id=comment_id)
    return Status(204, None)


@router.post("/comments/{comment_id}/report", response={202: None, **ERRORS}, auth=bearer)
def report_comment(request, comment_id: int, payload: ReportIn):
    media_services.report_comment(
        reporter=request.auth, comment_id=comment_id, reason=payload.reason
    )
    return Status(202, None)
