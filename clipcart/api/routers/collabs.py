"""Creator side of affiliate plans: marketplace, joining, invitations, storefront, links.

The schemas live here, prefixed `Collab`, so that their OpenAPI names cannot clash with the
shared ones. Rates are percents as decimal strings ("12.50"), flat fees money strings next to a
currency."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import StrictInt

from clipcart.affiliate import marketplace
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Membership, Term
from clipcart.affiliate.services import storefront as storefront_services
from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.core.errors import InvalidInput
from clipcart.core.money import format_money

router = Router(tags=["collabs"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Shapes -------------------------------------------------------------------------------------


class CollabShopOut(Schema):
    id: int
    name: str


class CollabProductOut(Schema):
    id: int
    title: str
    price: str
    currency: str
    shop: CollabShopOut
    image_url: str | None
    in_stock: bool
    kind: str


class CollabTermOut(Schema):
    version: int
    rate: str | None  # percent
    flat_fee: str | None  # per unit sold, in `currency`
    currency: str
    description: str  # "12.5%" or "2.00 USD per unit"


class CollabMembershipRef(Schema):
    id: int
    status: str


class CollabEligibilityOut(Schema):
    eligible: bool
    followers: int
    min_followers: int


class MarketplaceItemOut(Schema):
    plan_id: int
    plan_name: str
    approval: str  # "auto" or "manual"
    product: CollabProductOut
    rate: str  # for a creator joining now
    membership: CollabMembershipRef | None
    my_term: CollabTermOut | None  # what the caller earns on it now, through any plan


class MarketplaceOut(Schema):
    items: list[MarketplaceItemOut]
    next_cursor: str | None
    eligibility: CollabEligibilityOut


class CollabPlanOut(Schema):
    id: int
    name: str
    kind: str
    approval: str
    message: str
    shop: CollabShopOut


class CollabChangeOut(Schema):
    starts_at: datetime
    term: CollabTermOut


class CollabPlanProductOut(Schema):
    product_id: int
    title: str
    product: CollabProductOut | None  # None once the product is no longer listed
    term: CollabTermOut | None  # in force for the caller in this plan
    pays: bool  # this plan's term is what pays the caller now (a targeted plan may override)
    upcoming: list[CollabChangeOut]  # changes scheduled to reach the caller


class CollabMembershipOut(Schema):
    id: int
    status: str
    plan: CollabPlanOut
    joined_at: datetime | None
    created_at: datetime
    products: list[CollabPlanProductOut]


class CollaborationsOut(Schema):
    items: list[CollabMembershipOut]
    next_cursor: str | None


class StorefrontIn(Schema):
    product_id: StrictInt
    position: StrictInt | None = None


class StorefrontItemOut(Schema):
    product_id: int
    position: int
    earns_commission: bool
    product: CollabProductOut | None


class StorefrontOut(Schema):
    items: list[StorefrontItemOut]
    next_cursor: str | None
    max_items: int


class ShareLinkOut(Schema):
    url: str
    ref: str


# --- Presenters ---------------------------------------------------------------------------------


def _term(term: Term | None) -> dict | None:
    if term is None:
        return None
    return {
        "version": term.version,
        "rate": f"{term.rate:.2f}" if term.rate is not None else None,
        "flat_fee": format_money(term.flat_fee) if term.flat_fee is not None else None,
        "currency": term.currency,
        "description": term.describe(),
    }


def _listing(listing: marketplace.Listing) -> dict:
    member = listing.membership
    return {
        "plan_id": listing.plan.pk,
        "plan_name": listing.plan.name,
        "approval": listing.plan.approval,
        "product": presenters.product_card(listing.product),
        "rate": f"{listing.rate:.2f}",
        "membership": {"id": member.pk, "status": member.status} if member else None,
        "my_term": _term(listing.my_term),
    }


def _collaboration(collab: marketplace.Collaboration) -> dict:
    membership, plan = collab.membership, collab.plan
    return {
        "id": membership.pk,
        "status": membership.status,
        "plan": {
            "id": plan.pk,
            "name": plan.name,
            "kind": plan.kind,
            "approval": plan.approval,
            "message": plan.message,
            "shop": {"id": plan.shop.pk, "name": plan.shop.name},
        },
        "joined_at": membership.joined_at,
        "created_at": membership.created_at,
        "products": [
            {
                "product_id": row.entry.product_id,
                "title": row.entry.product.title,
                "product": presenters.product_card(row.product) if row.product else None,
                "term": _term(row.term),
                "pays": row.pays,
                "upcoming": [
                    {"starts_at": s.starts_at, "term": _term(s.term)} for s in row.upcoming
                ],
            }
            for row in collab.products
        ],
    }


def _membership(membership: Membership) -> dict:
    return _collaboration(marketplace.collaboration(membership=membership))


def _storefront(creator_id: int) -> dict:
    shelf = marketplace.storefront(creator_id=creator_id, include_unlisted=True)
    return {
        "items": [
            {
                "product_id": s.product_id,
                "position": s.item.position,
                "earns_commission": s.earns_commission,
                "product": presenters.product_card(s.product) if s.product else None,
            }
            for s in shelf
        ],
        "next_cursor": None,  # at most MAX_ITEMS: one page
        "max_items": storefront_services.MAX_ITEMS,
    }


# --- Marketplace and plans ----------------------------------------------------------------------


@router.get("/affiliate/marketplace", response={200: MarketplaceOut, **ERRORS})
def marketplace_list(
    request,
    category: str = "",
    min_rate: str = "",
    q: str = "",
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = marketplace.MARKETPLACE_PAGE,
):
    filters = marketplace.parse_filters(category=category, min_rate=min_rate, query=q, sort=sort)
    page = marketplace.marketplace(viewer=request.auth, filters=filters, cursor=cursor, size=limit)
    allowed = marketplace.eligibility(user_id=request.auth.pk)
    return {
        "items": [_listing(listing) for listing in page.items],
        "next_cursor": page.next_cursor,
        "eligibility": {
            "eligible": allowed.eligible,
            "followers": allowed.followers,
            "min_followers": allowed.minimum,
        },
    }


@router.post("/affiliate/plans/{plan_id}/join", response={200: CollabMembershipOut, **ERRORS})
def join_plan(request, plan_id: int):
    membership = affiliate_services.join_plan(creator=request.auth, plan_id=plan_id)
    return _membership(membership)


@router.post("/affiliate/products/{product_id}/join", response={200: CollabMembershipOut, **ERRORS})
def join_for_product(request, product_id: int):
    membership = affiliate_services.join_for_product(creator=request.auth, product_id=product_id)
    return _membership(membership)


STATUS_FILTERS = {
    "": marketplace.ACTIVE_STATUSES,
    **{status: (status,) for status in Membership.Status.values},
}


@router.get("/me/collaborations", response={200: CollaborationsOut, **ERRORS})
def my_collaborations(request, status: str = "", cursor: str | None = None):
    if status not in STATUS_FILTERS:
        raise InvalidInput(
            "status is one of invited, requested, approved, declined, left.", field="status"
        )
    page = marketplace.collaborations(
        creator_id=request.auth.pk, statuses=STATUS_FILTERS[status], cursor=cursor
    )
    return {"items": [_collaboration(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/affiliate/memberships/{membership_id}/accept", response={200: CollabMembershipOut, **ERRORS}
)
def accept_invitation(request, membership_id: int):
    membership = affiliate_services.answer_invitation(
        creator=request.auth, membership_id=membership_id, accept=True
    )
    return _membership(membership)


@router.post(
    "/affiliate/memberships/{membership_id}/reject", response={200: CollabMembershipOut, **ERRORS}
)
def reject_invitation(request, membership_id: int):
    membership = affiliate_services.answer_invitation(
        creator=request.auth, membership_id=membership_id, accept=False
    )
    return _membership(membership)


@router.post(
    "/affiliate/memberships/{membership_id}/leave", response={200: CollabMembershipOut, **ERRORS}
)
def leave_plan(request, membership_id: int):
    membership = affiliate_services.leave_plan(creator=request.auth, membership_id=membership_id)
    return _membership(membership)


# --- Storefront and share links -----------------------------------------------------------------


@router.get("/me/storefront", response={200: StorefrontOut, **ERRORS})
def my_storefront(request):
    return _storefront(request.auth.pk)


@router.post("/me/storefront", response={201: StorefrontOut, **ERRORS})
def place_in_storefront(request, payload: StorefrontIn):
    storefront_services.place_item(
        creator=request.auth, product_id=payload.product_id, position=payload.position
    )
    return Status(201, _storefront(request.auth.pk))


@router.delete("/me/storefront/{product_id}", response={200: StorefrontOut, **ERRORS})
def remove_from_storefront(request, product_id: int):
    storefront_services.remove_item(creator=request.auth, product_id=product_id)
    return _storefront(request.auth.pk)


@router.post("/products/{product_id}/share-link", response={200: ShareLinkOut, **ERRORS})
def share_link(request, product_id: int):
    link = storefront_services.share_link(user=request.auth, product_id=product_id)
    return {"url": request.build_absolute_uri(link.path), "ref": link.ref}
