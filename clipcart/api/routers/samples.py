"""Free samples: offers, requests, shipping, the video that is due.

Sellers manage offers and requests under `/shops/{shop_id}/...` and act on a request by its id
(`/sample-requests/{id}/...`); a request of a shop they do not work for is a 404. Creators browse
`/sample-offers`, ask for one, and follow their requests under `/me/sample-requests`; another
creator's request is a 404. The schemas live here, prefixed `Sample`, so their OpenAPI names
cannot clash with the shared ones.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt, StrictStr

from clipcart.affiliate import sample_posts
from clipcart.affiliate.models import SampleOffer, SampleRequest
from clipcart.affiliate.selectors import PostingRate
from clipcart.affiliate.services import samples as sample_services
from clipcart.api.auth import bearer
from clipcart.api.schemas import AddressIn, ErrorOut
from clipcart.catalog import services as catalog_services
from clipcart.core.pagination import Page

router = Router(tags=["samples"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Shapes ---------------------------------------------------------------------------------------


class SampleProductOut(Schema):
    id: int
    title: str


class SampleShopOut(Schema):
    id: int
    name: str


class SampleOfferOut(Schema):
    id: int
    product: SampleProductOut
    quantity_limit: int
    committed: int  # units approved or sent
    remaining: int
    waiting: int  # requests to decide
    is_active: bool
    note: str
    created_at: datetime


class SampleOfferListOut(Schema):
    items: list[SampleOfferOut]
    next_cursor: str | None


class SampleOfferIn(Schema):
    product_id: StrictInt
    quantity_limit: StrictInt
    note: StrictStr = Field("", max_length=1000)


class SampleOfferPatchIn(Schema):
    quantity_limit: StrictInt | None = None
    is_active: StrictBool | None = None
    note: StrictStr | None = Field(None, max_length=1000)


class SampleRequestRef(Schema):
    id: int
    status: str


class AvailableOfferOut(Schema):
    id: int
    shop: SampleShopOut
    product: SampleProductOut
    remaining: int
    note: str
    my_request: SampleRequestRef | None  # the caller's latest request for it


class AvailableOfferListOut(Schema):
    items: list[AvailableOfferOut]
    next_cursor: str | None


class SamplePostingRateOut(Schema):
    posted: int
    due: int  # posted + overdue
    rate: float | None  # posted / due; null before any sample was due


class SampleCreatorOut(Schema):
    id: int
    handle: str
    followers: int
    posting_rate: SamplePostingRateOut | None  # over every shop; null for a new creator


class SampleRequestOut(Schema):
    id: int
    status: str
    shop: SampleShopOut
    product: SampleProductOut
    message: str
    shipping_address: dict
    decision_note: str
    decided_at: datetime | None
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    delivered_via: str
    due_at: datetime | None
    days_left: int | None  # whole days until the video is due; negative once late
    extended: bool
    posted_at: datetime | None
    post_id: int | None
    created_at: datetime


class ShopSampleRequestOut(SampleRequestOut):
    creator: SampleCreatorOut


class SampleRequestListOut(Schema):
    items: list[SampleRequestOut]
    next_cursor: str | None


class ShopSampleRequestListOut(Schema):
    items: list[ShopSampleRequestOut]
    next_cursor: str | None


class SampleRequestIn(Schema):
    message: StrictStr = Field("", max_length=2000)
    shipping_address: AddressIn


class SampleDecisionIn(Schema):
    note: StrictStr = Field("", max_length=1000)


class SampleShipIn(Schema):
    carrier: StrictStr = Field(max_length=200)
    tracking_number: StrictStr = Field(max_length=200)


# --- Presenters -----------------------------------------------------------------------------------


def _offer(offer: SampleOffer) -> dict:
    return {
        "id": offer.pk,
        "product": {"id": offer.product.pk, "title": offer.product.title},
        "quantity_limit": offer.quantity_limit,
        "committed": offer.committed,  # type: ignore[attr-defined]
        "remaining": sample_posts.remaining(offer),
        "waiting": offer.waiting,  # type: ignore[attr-defined]
        "is_active": offer.is_active,
        "note": offer.note,
        "created_at": offer.created_at,
    }


def _available(offer: SampleOffer) -> dict:
    mine = offer.my_request  # type: ignore[attr-defined]
    return {
        "id": offer.pk,
        "shop": {"id": offer.shop.pk, "name": offer.shop.name},
        "product": {"id": offer.product.pk, "title": offer.product.title},
        "remaining": sample_posts.remaining(offer),
        "note": offer.note,
        "my_request": {"id": mine.pk, "status": mine.status} if mine else None,
    }


REQUEST_FIELDS = [
    "id",
    "status",
    "message",
    "shipping_address",
    "decision_note",
    "decided_at",
    "carrier",
    "tracking_number",
    "shipped_at",
    "delivered_at",
    "delivered_via",
    "due_at",
    "extended",
    "posted_at",
    "post_id",
    "created_at",
]


def _request(request: SampleRequest) -> dict:
    offer = request.offer
    return {
        **{name: getattr(request, name) for name in REQUEST_FIELDS},
        "shop": {"id": offer.shop.pk, "name": offer.shop.name},
        "product": {"id": offer.product.pk, "title": offer.product.title},
        "days_left": sample_posts.days_left(request),
    }


def _rate(rate: PostingRate | None) -> dict | None:
    if rate is None:
        return None
    return {"posted": rate.posted, "due": rate.due, "rate": rate.rate}


def _shop_request(request: SampleRequest) -> dict:
    creator = request.creator
    return {
        **_request(request),
        "creator": {
            "id": creator.pk,
            "handle": creator.handle,  # type: ignore[attr-defined]
            "followers": request.followers,  # type: ignore[attr-defined]
            "posting_rate": _rate(request.posting),  # type: ignore[attr-defined]
        },
    }


def _page(page: Page, present) -> dict:
    return {"items": [present(item) for item in page.items], "next_cursor": page.next_cursor}


def _staff_view(request, request_id: int) -> dict:
    return _shop_request(sample_posts.request_for_staff(user=request.auth, request_id=request_id))


def _creator_view(request, request_id: int) -> dict:
    return _request(sample_posts.request_of_creator(creator=request.auth, request_id=request_id))


# --- Seller: offers -------------------------------------------------------------------------------


@router.get("/shops/{shop_id}/sample-offers", response={200: SampleOfferListOut, **ERRORS})
def shop_offers(request, shop_id: int, cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    return _page(sample_posts.shop_offers(shop_id=shop_id, cursor=cursor), _offer)


@router.post("/shops/{shop_id}/sample-offers", response={201: SampleOfferOut, **ERRORS})
def create_offer(request, shop_id: int, payload: SampleOfferIn):
    offer = sample_services.create_offer(user=request.auth, shop_id=shop_id, **payload.dict())
    return Status(201, _offer(sample_posts.shop_offer(shop_id=shop_id, offer_id=offer.pk)))


@router.patch("/shops/{shop_id}/sample-offers/{offer_id}", response={200: SampleOfferOut, **ERRORS})
def update_offer(request, shop_id: int, offer_id: int, payload: SampleOfferPatchIn):
    sample_services.update_offer(
        user=request.auth, shop_id=shop_id, offer_id=offer_id, **payload.dict(exclude_unset=True)
    )
    return _offer(sample_posts.shop_offer(shop_id=shop_id, offer_id=offer_id))


# --- Seller: requests -----------------------------------------------------------------------------


@router.get("/shops/{shop_id}/sample-requests", response={200: ShopSampleRequestListOut, **ERRORS})
def shop_requests(request, shop_id: int, status: str = "", cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    page = sample_posts.shop_requests(shop_id=shop_id, status=status, cursor=cursor)
    return _page(page, _shop_request)


@router.post(
    "/sample-requests/{request_id}/approve", response={200: ShopSampleRequestOut, **ERRORS}
)
def approve(request, request_id: int, payload: SampleDecisionIn | None = None):
    note = payload.note if payload else ""
    sample_services.decide_request(
        user=request.auth, request_id=request_id, approve=True, note=note
    )
    return _staff_view(request, request_id)


@router.post(
    "/sample-requests/{request_id}/decline", response={200: ShopSampleRequestOut, **ERRORS}
)
def decline(request, request_id: int, payload: SampleDecisionIn | None = None):
    note = payload.note if payload else ""
    sample_services.decide_request(
        user=request.auth, request_id=request_id, approve=False, note=note
    )
    return _staff_view(request, request_id)


@router.post("/sample-requests/{request_id}/ship", response={200: ShopSampleRequestOut, **ERRORS})
def ship(request, request_id: int, payload: SampleShipIn):
    sample_services.ship_sample(user=request.auth, request_id=request_id, **payload.dict())
    return _staff_view(request, request_id)


@router.post(
    "/sample-requests/{request_id}/delivered", response={200: ShopSampleRequestOut, **ERRORS}
)
def delivered(request, request_id: int):
    """The shop's staff confirm delivery (creators use /me/sample-requests/{id}/received)."""
    sample_posts.request_for_staff(user=request.auth, request_id=request_id)
    sample_services.mark_delivered(user=request.auth, request_id=request_id)
    return _staff_view(request, request_id)


# --- Creator --------------------------------------------------------------------------------------


@router.get("/sample-offers", response={200: AvailableOfferListOut, **ERRORS})
def available_offers(request, shop_id: int | None = None, cursor: str | None = None):
    """Active offers with a unit left, from every shop but the caller's own."""
    page = sample_posts.offers_for_creator(creator=request.auth, cursor=cursor, shop_id=shop_id)
    return _page(page, _available)


@router.post("/sample-offers/{offer_id}/requests", response={201: SampleRequestOut, **ERRORS})
def request_sample(request, offer_id: int, payload: SampleRequestIn):
    made = sample_services.request_sample(
        creator=request.auth,
        offer_id=offer_id,
        message=payload.message,
        shipping_address=payload.shipping_address.dict(),
    )
    return Status(201, _creator_view(request, made.pk))


@router.get("/me/sample-requests", response={200: SampleRequestListOut, **ERRORS})
def my_requests(request, status: str = "", cursor: str | None = None):
    page = sample_posts.requests_of_creator(creator=request.auth, status=status, cursor=cursor)
    return _page(page, _request)


@router.post("/me/sample-requests/{request_id}/cancel", response={200: SampleRequestOut, **ERRORS})
def cancel(request, request_id: int):
    sample_services.cancel_request(creator=request.auth, request_id=request_id)
    return _creator_view(request, request_id)


@router.post("/me/sample-requests/{request_id}/extend", response={200: SampleRequestOut, **ERRORS})
def extend(request, request_id: int):
    sample_services.extend_deadline(creator=request.auth, request_id=request_id)
    return _creator_view(request, request_id)


@router.post("/me/sample-requests/{request_id}/posted", response={200: SampleRequestOut, **ERRORS})
def posted(request, request_id: int):
    """ "I posted it": 409 `no_post_found` until a live post tags the product."""
    sample_services.check_posted(creator=request.auth, request_id=request_id)
    return _creator_view(request, request_id)


@router.post(
    "/me/sample-requests/{request_id}/received", response={200: SampleRequestOut, **ERRORS}
)
def received(request, request_id: int):
    sample_services.confirm_delivery(creator=request.auth, request_id=request_id)
    return _creator_view(request, request_id)
