"""Seller side of affiliate plans: plans, terms, invitations, requests, analytics.

Every endpoint is for shop staff: someone else's shop, plan, plan product or membership is a
403 (an unknown one 404), as the services decide. Rates are percent decimal strings ("12.50");
a JSON number with a fraction is refused like a price, because 12.3 as a float is not 12.3.
Schemas are named `Seller…` so they cannot collide with the creator side's in OpenAPI."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status
from pydantic import StrictInt, StrictStr, field_validator

from clipcart.affiliate import seller_analytics
from clipcart.affiliate.models import Membership, Plan
from clipcart.affiliate.selectors import PostingRate
from clipcart.affiliate.services import plans as plan_services
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.catalog import services as catalog_services
from clipcart.core.errors import NotFound
from clipcart.core.money import format_money

router = Router(tags=["affiliate (sellers)"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
FLOAT_REFUSED = 'Send it as a decimal string such as "12.50", not a JSON number with a fraction.'


# --- Schemas ------------------------------------------------------------------------------------


class SellerOfferIn(Schema):
    """A percent `rate` (1–80, two decimals at most) or, in targeted plans, a `flat_fee` per
    unit sold; exactly one of them."""

    rate: StrictStr | StrictInt | None = Field(None, examples=["12.50"])
    flat_fee: StrictStr | StrictInt | None = Field(None, examples=["3.00"])

    @field_validator("rate", "flat_fee", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError(FLOAT_REFUSED)
        return value


class SellerPlanProductIn(SellerOfferIn):
    product_id: StrictInt


class SellerOpenPlanIn(Schema):
    approval: StrictStr = Field(description='"auto" or "manual".')
    name: StrictStr = Field("", max_length=100)


class SellerTargetedPlanIn(Schema):
    name: StrictStr = Field(max_length=100)
    message: StrictStr = Field("", max_length=500)


class SellerInvitationIn(Schema):
    handle: StrictStr = Field(max_length=150, examples=["glowwithmia"])


class SellerTermOut(Schema):
    version: int
    rate: str | None = Field(description="Percent, two decimals; null for a flat fee.")
    flat_fee: str | None
    currency: str
    effective_at: datetime = Field(description="From when creators who join get it.")
    is_cut: bool
    reaches_promoting_creators_at: datetime = Field(
        description="From when creators already promoting get it (a cut waits out the grace "
        "period; they are told 2 days before)."
    )


class SellerProductRef(Schema):
    id: int
    title: str


class SellerPlanProductOut(Schema):
    id: int
    plan_id: int
    product: SellerProductRef
    added_at: datetime
    term: SellerTermOut
    terms: list[SellerTermOut] = Field(description="Every version, oldest first.")


class SellerCreatorCounts(Schema):
    approved: int
    requested: int
    invited: int
    declined: int


class SellerPlanOut(Schema):
    id: int
    kind: str
    name: str
    approval: str
    message: str
    created_at: datetime
    creators: SellerCreatorCounts
    products: list[SellerPlanProductOut]


class SellerPlanListOut(Schema):
    items: list[SellerPlanOut]
    next_cursor: str | None


class SellerCreatorRef(Schema):
    id: int
    handle: str


class SellerMembershipOut(Schema):
    id: int
    plan_id: int
    creator: SellerCreatorRef
    status: str
    joined_at: datetime | None
    decided_at: datetime | None


class SellerFiguresOut(Schema):
    clicks: int = Field(description="Anchor, storefront, share-link and external clicks.")
    views: int = Field(description="Completed views of videos tagging the products.")
    orders: int
    gmv: str
    commission_owed: str = Field(description="Pending and payable, less clawbacks.")
    commission_paid: str


class SellerPostingOut(Schema):
    posted: int
    overdue: int
    rate: str = Field(description="Percent of samples due that were posted about.")


class SellerPerformanceRowOut(SellerFiguresOut):
    creator: SellerCreatorRef | None = None
    product: SellerProductRef | None = None
    sample_posting: SellerPostingOut | None = Field(
        None, description="Creators only; null while no sample of this shop is due."
    )


class SellerPerformanceOut(Schema):
    by: str
    days: int
    sort: str
    since: datetime
    currency: str
    totals: SellerFiguresOut
    items: list[SellerPerformanceRowOut]
    next_cursor: str | None


# --- Presenters ---------------------------------------------------------------------------------


def _term(version: seller_analytics.TermVersion) -> dict:
    term = version.term
    return {
        "version": term.version,
        "rate": f"{term.rate:.2f}" if term.rate is not None else None,
        "flat_fee": format_money(term.flat_fee) if term.flat_fee is not None else None,
        "currency": term.currency,
        "effective_at": term.effective_at,
        "is_cut": version.is_cut,
        "reaches_promoting_creators_at": version.reaches_promoting_at,
    }


def _entry(view: seller_analytics.EntryView) -> dict:
    entry = view.entry
    return {
        "id": entry.pk,
        "plan_id": entry.plan_id,
        "product": {"id": entry.product_id, "title": entry.product.title},
        "added_at": entry.added_at,
        "term": _term(view.current),
        "terms": [_term(v) for v in view.versions],
    }


def _plan(detail: seller_analytics.PlanDetail) -> dict:
    plan = detail.plan
    return {
        "id": plan.pk,
        "kind": plan.kind,
        "name": plan.name,
        "approval": plan.approval,
        "message": plan.message,
        "created_at": plan.created_at,
        "creators": {
            "approved": plan.member_count,  # type: ignore[attr-defined]
            "requested": plan.requested_count,  # type: ignore[attr-defined]
            "invited": plan.invited_count,  # type: ignore[attr-defined]
            "declined": plan.declined_count,  # type: ignore[attr-defined]
        },
        "products": [_entry(view) for view in detail.entries],
    }


def _membership(membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "plan_id": membership.plan_id,
        "creator": {"id": membership.creator_id, "handle": membership.creator.handle},
        "status": membership.status,
        "joined_at": membership.joined_at,
        "decided_at": membership.decided_at,
    }


def _figures(figures: seller_analytics.Figures) -> dict:
    return {
        "clicks": figures.clicks,
        "views": figures.views,
        "orders": figures.orders,
        "gmv": format_money(figures.gmv),
        "commission_owed": format_money(figures.owed),
        "commission_paid": format_money(figures.paid),
    }


def _posting(rate: PostingRate | None) -> dict | None:
    if rate is None or rate.rate is None:
        return None
    return {"posted": rate.posted, "overdue": rate.overdue, "rate": f"{rate.rate * 100:.2f}"}


def _row(row: seller_analytics.PerformanceRow, *, by: str) -> dict:
    ref = {"id": row.id, "handle" if by == "creator" else "title": row.label}
    return {
        **_figures(row.figures),
        by: ref if row.id is not None else None,
        "sample_posting": _posting(row.posting),
    }


def _plan_of(plan: Plan) -> dict:
    return _plan(seller_analytics.plan_detail(plan=plan))


def _entry_of(*, shop_id: int, plan_product_id: int) -> dict:
    return _entry(seller_analytics.shop_entry(shop_id=shop_id, plan_product_id=plan_product_id))


def _offer(payload: SellerOfferIn) -> plan_services.Offer:
    # Parsed for either kind of plan; the service refuses a flat fee in an open plan.
    return plan_services.check_offer(
        rate=payload.rate, flat_fee=payload.flat_fee, kind=Plan.Kind.TARGETED
    )


# --- Plans --------------------------------------------------------------------------------------


@router.get("/shops/{shop_id}/affiliate/open-plan", response={200: SellerPlanOut, **ERRORS})
def get_open_plan(request, shop_id: int):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    plan = seller_analytics.open_plan_of(shop_id=shop_id)
    if plan is None:
        raise NotFound("This shop has no open plan yet: PUT one to start.", code="plan_not_found")
    return _plan_of(plan)


@router.put("/shops/{shop_id}/affiliate/open-plan", response={200: SellerPlanOut, **ERRORS})
def put_open_plan(request, shop_id: int, payload: SellerOpenPlanIn):
    plan = plan_services.open_plan(
        user=request.auth, shop_id=shop_id, approval=payload.approval, name=payload.name
    )
    return _plan_of(plan)


@router.post("/shops/{shop_id}/affiliate/plans", response={201: SellerPlanOut, **ERRORS})
def create_targeted_plan(request, shop_id: int, payload: SellerTargetedPlanIn):
    plan = plan_services.create_targeted_plan(
        user=request.auth, shop_id=shop_id, name=payload.name, message=payload.message
    )
    return Status(201, _plan_of(plan))


@router.get("/shops/{shop_id}/affiliate/plans", response={200: SellerPlanListOut, **ERRORS})
def list_plans(request, shop_id: int, cursor: str | None = None):
    catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    page = seller_analytics.shop_plans(shop_id=shop_id, cursor=cursor)
    return {"items": [_plan(detail) for detail in page.items], "next_cursor": page.next_cursor}


@router.delete("/affiliate/plans/{plan_id}", response={204: None, **ERRORS})
def end_plan(request, plan_id: int):
    plan_services.end_plan(user=request.auth, plan_id=plan_id)
    return Status(204, None)


# --- Products and their terms -------------------------------------------------------------------


@router.post("/affiliate/plans/{plan_id}/products", response={201: SellerPlanProductOut, **ERRORS})
def add_product(request, plan_id: int, payload: SellerPlanProductIn):
    offer = _offer(payload)
    entry = plan_services.add_product(
        user=request.auth, plan_id=plan_id, product_id=payload.product_id, offer=offer
    )
    return Status(201, _entry_of(shop_id=entry.plan.shop_id, plan_product_id=entry.pk))


@router.patch(
    "/affiliate/plan-products/{plan_product_id}", response={200: SellerPlanProductOut, **ERRORS}
)
def change_term(request, plan_product_id: int, payload: SellerOfferIn):
    offer = _offer(payload)
    term = plan_services.change_term(
        user=request.auth, plan_product_id=plan_product_id, offer=offer
    )
    shop_id = term.plan_product.plan.shop_id
    return _entry_of(shop_id=shop_id, plan_product_id=plan_product_id)


@router.delete("/affiliate/plan-products/{plan_product_id}", response={204: None, **ERRORS})
def remove_product(request, plan_product_id: int):
    plan_services.remove_product(user=request.auth, plan_product_id=plan_product_id)
    return Status(204, None)


# --- Creators -----------------------------------------------------------------------------------


@router.post(
    "/affiliate/plans/{plan_id}/invitations", response={201: SellerMembershipOut, **ERRORS}
)
def invite(request, plan_id: int, payload: SellerInvitationIn):
    handle = payload.handle.strip().removeprefix("@")
    membership = plan_services.invite(user=request.auth, plan_id=plan_id, handle=handle)
    return Status(201, _membership(membership))


@router.post(
    "/affiliate/memberships/{membership_id}/approve", response={200: SellerMembershipOut, **ERRORS}
)
def approve(request, membership_id: int):
    membership = plan_services.decide_membership(
        user=request.auth, membership_id=membership_id, approve=True
    )
    return _membership(membership)


@router.post(
    "/affiliate/memberships/{membership_id}/decline", response={200: SellerMembershipOut, **ERRORS}
)
def decline(request, membership_id: int):
    membership = plan_services.decide_membership(
        user=request.auth, membership_id=membership_id, approve=False
    )
    return _membership(membership)


# --- Performance --------------------------------------------------------------------------------


@router.get(
    "/shops/{shop_id}/affiliate/performance", response={200: SellerPerformanceOut, **ERRORS}
)
def performance(
    request,
    shop_id: int,
    by: str = "creator",
    days: int = seller_analytics.DEFAULT_PERIOD,
    sort: str = seller_analytics.DEFAULT_SORT,
    cursor: str | None = None,
):
    shop = catalog_services.require_shop_staff(user=request.auth, shop_id=shop_id)
    report = seller_analytics.performance(
        shop_id=shop.pk, currency=shop.currency, by=by, days=days, sort=sort, cursor=cursor
    )
    return {
        "by": report.by,
        "days": report.days,
        "sort": report.sort,
        "since": report.since,
        "currency": report.currency,
        "totals": _figures(report.totals),
        "items": [_row(row, by=report.by) for row in report.rows],
        "next_cursor": report.next_cursor,
    }
