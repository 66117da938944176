"""The interest profile: see, remove, restore and reset interests; download and erase
behavioural data (issue 6, "The user's control").

Everything acts on the caller only: a bearer token's user, else the page's signed-in session,
else the anonymous visitor's session. No request names whose data it is, so nobody can reach
another person's. Writes made with a session cookie (not a token) must carry the CSRF token,
as a form would: erasing someone's history is not something another site may trigger."""

from __future__ import annotations

from datetime import datetime

from django.http import StreamingHttpResponse
from ninja import Field, Router, Schema, Status
from ninja.utils import check_csrf
from pydantic import StrictBool

from clipcart.api.auth import BearerOrVisitor
from clipcart.api.routers.social import viewer_of
from clipcart.api.schemas import ErrorOut
from clipcart.core.errors import InvalidInput, PermissionDenied
from clipcart.feed import interests

router = Router(tags=["interest profile"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CallerWithCsrf(BearerOrVisitor):
    """bearer_or_visitor, and a write by session cookie must pass Django's CSRF check."""

    def __call__(self, request):
        by_cookie = not request.headers.get("Authorization")
        if by_cookie and request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied(
                "Send the CSRF token (X-CSRFToken) with a session, or use a bearer token.",
                code="csrf_failed",
            )
        return super().__call__(request)


caller = CallerWithCsrf()


class InterestOut(Schema):
    id: int
    name: str | None = Field(..., description="Hashtag name, creator handle or category name.")
    strength: int = Field(..., description="1–100, relative to the strongest of its kind.")
    affinity: float = Field(..., description="The ranker's score: a decayed sum of signals.")


class RemovedInterestOut(Schema):
    kind: str
    id: int
    name: str | None
    removed_at: datetime


class InterestsOut(Schema):
    hashtags: list[InterestOut]
    creators: list[InterestOut]
    categories: list[InterestOut]
    removed: list[RemovedInterestOut]
    reset_at: datetime | None
    used_for_feed: bool = Field(..., description="False while personalization is off.")


class EraseIn(Schema):
    confirm: StrictBool = Field(False, description="Must be true: erasing cannot be undone.")


class ErasureOut(Schema):
    events: int
    removed_interests: int
    resets: int
    erased_at: datetime
    kept: list[str] = Field(..., description="What is not erased, and why.")


class ExportEventOut(Schema):
    id: int
    client_id: str
    type: str
    ts: datetime
    received_at: datetime
    video_id: int | None
    product_id: int | None
    watch_ms: int | None
    region: str
    source: str = Field(..., description='"account" or "browser_session".')


class ExportOut(Schema):
    """Documents GET /me/data (version 1). The answer is streamed, so a long history never has
    to fit in memory; `events` come oldest first."""

    format: str
    version: int
    exported_at: datetime
    account: dict
    personalization: dict
    interest_profile: dict
    removed_interests: list[RemovedInterestOut]
    reset_at: datetime | None
    follows: list[dict]
    likes: list[dict]
    events: list[ExportEventOut]


def _interest(interest: interests.Interest) -> dict:
    return {
        "id": interest.id,
        "name": interest.name,
        "strength": interest.strength,
        "affinity": interest.affinity,
    }


def _profile(request) -> dict:
    viewer = viewer_of(request)
    page = interests.interest_profile(actor=interests.required_actor(viewer.actor))
    return {
        "hashtags": [_interest(i) for i in page.hashtags],
        "creators": [_interest(i) for i in page.creators],
        "categories": [_interest(i) for i in page.categories],
        "removed": page.removed,
        "reset_at": page.reset_at,
        "used_for_feed": viewer.privacy.personalized,
    }


@router.get("/me/interests", response={200: InterestsOut, **ERRORS}, auth=caller)
def my_interests(request):
    """The hashtags, creators and categories the For You ranker thinks the caller likes,
    strongest first, with what they removed and when they last reset."""
    return _profile(request)


@router.delete("/me/interests/{kind}/{id}", response={204: None, **ERRORS}, auth=caller)
def remove_interest(request, kind: str, id: str):
    """`kind` is hashtag, creator or category; `id` its id. It stops shaping the feed at once
    and is never inferred again until restored. Removing twice is fine."""
    interests.remove_interest(actor=viewer_of(request).actor, kind=kind, key=id)
    return Status(204, None)


@router.post("/me/interests/{kind}/{id}/restore", response={204: None, **ERRORS}, auth=caller)
def restore_interest(request, kind: str, id: str):
    """Undoes a removal."""
    interests.restore_interest(actor=viewer_of(request).actor, kind=kind, key=id)
    return Status(204, None)


@router.post("/me/interests/reset", response={204: None, **ERRORS}, auth=caller)
def reset_interests(request):
    """Nothing the caller did before now shapes their feed; removals stay."""
    interests.reset_interests(actor=viewer_of(request).actor)
    return Status(204, None)


@router.get("/me/data", response={200: ExportOut, **ERRORS}, auth=caller)
def my_data(request):
    """Everything behavioural Clipcart holds about the caller, as JSON (see ExportOut)."""
    export = interests.export_behavioural_data(viewer=viewer_of(request))
    return StreamingHttpResponse(interests.export_json(export), content_type="application/json")


@router.post("/me/data/erase", response={200: ErasureOut, **ERRORS}, auth=caller)
def erase_my_data(request, payload: EraseIn):
    """Deletes the caller's events, removed interests and reset for good; `kept` says what
    stays and why. Send `{"confirm": true}`."""
    if not payload.confirm:
        raise InvalidInput("Send confirm: true to erase your data.", field="confirm")
    receipt = interests.erase_behavioural_data(viewer=viewer_of(request))
    return {**vars(receipt), "kept": list(interests.KEPT_AFTER_ERASURE)}
