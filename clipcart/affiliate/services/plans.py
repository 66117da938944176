"""Writes of collaboration plans: products and their versioned terms, and who is in a plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, Shop
from clipcart.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipcart.core.money import parse_price
from clipcart.core.text import clean_text

from .. import locks, selectors, terms
from ..models import Membership, Plan, PlanProduct, RateChangeNotice, Term

M = Membership.Status
MAX_PLAN_PRODUCTS = 200


@dataclass(frozen=True)
class Offer:
    """What a plan product pays: a percent `rate`, or (targeted plans) a `flat_fee` per unit."""

    rate: Decimal | None = None
    flat_fee: Decimal | None = None


def check_offer(*, rate: object = None, flat_fee: object = None, kind: str) -> Offer:
    has_rate = rate not in (None, "")
    has_fee = flat_fee not in (None, "")
    if has_rate == has_fee:
        raise InvalidInput("Give either a commission rate or a flat fee.", field="rate")
    if has_fee:
        if kind != Plan.Kind.TARGETED:
            raise InvalidInput("Flat fees are for targeted plans.", field="flat_fee")
        return Offer(flat_fee=parse_price(flat_fee, field="flat_fee", label="Flat fee"))
    return Offer(rate=terms.parse_rate(rate))


def _plan_name(name: object, default: str) -> str:
    return clean_text(name or default, field="name", max_length=100)


def _staff_plan(*, user, plan_id: int) -> Plan:
    plan = Plan.objects.select_related("shop").filter(pk=plan_id, ended_at__isnull=True).first()
    if plan is None:
        raise NotFound("No such plan.", code="plan_not_found")
    catalog_services.require_shop_staff(user=user, shop_id=plan.shop_id)
    return plan


def open_plan(*, user, shop_id: int, approval: str = Plan.Approval.AUTO, name: str = "") -> Plan:
    """The shop's open plan, made on first use; `approval` updates it."""
    shop = catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    if approval not in Plan.Approval.values:
        raise InvalidInput("Approval is automatic or manual.", field="approval")
    plan = Plan.objects.filter(shop=shop, kind=Plan.Kind.OPEN, ended_at__isnull=True).first()
    if plan is None:
        try:
            with transaction.atomic():
                return Plan.objects.create(
                    shop=shop,
                    kind=Plan.Kind.OPEN,
                    name=_plan_name(name, f"{shop.name} open plan"),
                    approval=approval,
                )
        except IntegrityError:  # a concurrent request made it
            plan = Plan.objects.get(shop=shop, kind=Plan.Kind.OPEN, ended_at__isnull=True)
    if plan.approval != approval or name:
        plan.approval = approval
        plan.name = _plan_name(name, plan.name)
        plan.save(update_fields=["approval", "name", "updated_at"])
    return plan


def create_targeted_plan(*, user, shop_id: int, name: object, message: object = "") -> Plan:
    shop = catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    return Plan.objects.create(
        shop=shop,
        kind=Plan.Kind.TARGETED,
        name=_plan_name(name, "Targeted plan"),
        message=clean_text(message or "", field="message", max_length=500, required=False),
    )


def _plan_product_of(shop: Shop, product_id: object) -> Product:
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise InvalidInput("product_id must be an integer.", field="product_id")
    product = Product.objects.filter(pk=product_id, shop=shop, status=Product.Status.ACTIVE).first()
    if product is None:
        raise NotFound("No such active product in this shop.", code="product_not_found")
    return product


def add_product(*, user, plan_id: int, product_id: object, offer: Offer) -> PlanProduct:
    """Puts a product into a plan with its first term. A product already in the plan is a 409:
    change its term instead."""
    plan = _staff_plan(user=user, plan_id=plan_id)
    product = _plan_product_of(plan.shop, product_id)
    if offer.flat_fee is not None and plan.kind != Plan.Kind.TARGETED:
        raise InvalidInput("Flat fees are for targeted plans.", field="flat_fee")
    if PlanProduct.objects.filter(plan=plan, removed_at__isnull=True).count() >= MAX_PLAN_PRODUCTS:
        raise Conflict(f"A plan holds at most {MAX_PLAN_PRODUCTS} products.", code="plan_full")
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = PlanProduct.objects.create(plan=plan, product=product, added_at=now)
            _new_term(entry, offer=offer, version=1, actor=user, at=now)
    except IntegrityError:
        raise Conflict(
            "This product is already in the plan; change its rate instead.",
            code="already_in_plan",
            field="product_id",
        ) from None
    _refresh_anchor_labels(plan=plan, product_id=product.pk)
    return entry


def _new_term(entry: PlanProduct, *, offer: Offer, version: int, actor, at) -> Term:
    return Term.objects.create(
        plan_product=entry,
        version=version,
        rate=offer.rate,
        flat_fee=offer.flat_fee,
        currency=entry.product.shop.currency,
        effective_at=at,
        created_by=actor,
    )


def _staff_entry(*, user, plan_product_id: int) -> PlanProduct:
    entry = (
        PlanProduct.objects.select_related("plan", "product__shop")
        .filter(pk=plan_product_id, removed_at__isnull=True, plan__ended_at__isnull=True)
        .first()
    )
    if entry is None:
        raise NotFound("No such product in a plan.", code="not_in_plan")
    catalog_services.require_shop_staff(user=user, shop_id=entry.plan.shop_id)
    return entry


def change_term(*, user, plan_product_id: int, offer: Offer) -> Term:
    """A new version of the product's term, effective now. For creators already promoting, a
    cut waits out the grace period, and each is told 2 days before it reaches them."""
    entry = _staff_entry(user=user, plan_product_id=plan_product_id)
    if offer.flat_fee is not None and entry.plan.kind != Plan.Kind.TARGETED:
        raise InvalidInput("Flat fees are for targeted plans.", field="flat_fee")
    with transaction.atomic():
        locks.lock_plan_product(plan_product_id=entry.pk)  # versions are numbered one at a time
        previous = entry.terms.order_by("-version").first()
        assert previous is not None
        term = _new_term(
            entry, offer=offer, version=previous.version + 1, actor=user, at=timezone.now()
        )
        _schedule_notices(entry, term)
    return term


def _schedule_notices(entry: PlanProduct, term: Term) -> None:
    """A notice for every member who started promoting before this version and for whom it is a
    cut that waits out the grace period."""
    versions = list(entry.terms.all())
    lead = settings.CLIPCART_AFFILIATE_CUT_NOTICE_DAYS
    for membership in _promoting(entry.plan, before=term.effective_at):
        assert membership.joined_at is not None  # approved members have joined
        schedule = terms.schedule(versions, joined_at=membership.joined_at)
        mine = next(s for s in schedule if s.term.pk == term.pk)
        if mine.starts_at > term.effective_at:
            RateChangeNotice.objects.get_or_create(
                membership=membership,
                term=term,
                defaults={
                    "takes_effect_at": mine.starts_at,
                    "notify_at": mine.starts_at - timedelta(days=lead),
                },
            )


def _promoting(plan: Plan, *, before) -> list[Membership]:
    return list(
        Membership.objects.filter(plan=plan, status=M.APPROVED, joined_at__lt=before).order_by("pk")
    )


def remove_product(*, user, plan_product_id: int) -> None:
    """Ends the product's place in the plan for everyone, at once."""
    entry = _staff_entry(user=user, plan_product_id=plan_product_id)
    PlanProduct.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    _refresh_anchor_labels(plan=entry.plan, product_id=entry.product_id)


def end_plan(*, user, plan_id: int) -> None:
    plan = _staff_plan(user=user, plan_id=plan_id)
    now = timezone.now()
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(ended_at=now, updated_at=now)
        PlanProduct.objects.filter(plan=plan, removed_at__isnull=True).update(removed_at=now)
    for product_id in plan.plan_products.values_list("product_id", flat=True):
        _refresh_anchor_labels(plan=plan, product_id=product_id)


# --- Membership ---------------------------------------------------------------------------------


def _live_plan(plan_id: int) -> Plan:
    plan = Plan.objects.select_related("shop").filter(pk=plan_id, ended_at__isnull=True).first()
    if plan is None:
        raise NotFound("No such plan.", code="plan_not_found")
    return plan


def _check_not_own_shop(*, creator, plan: Plan) -> None:
    if plan.shop_id in catalog_selectors.shop_ids_of(creator):
        raise Conflict(
            "You cannot earn commission on your own shop's products.",
            code="own_shop",
            field="plan_id",
        )


def check_eligible(*, creator) -> None:
    """Open plans take creators with at least CLIPCART_AFFILIATE_MIN_FOLLOWERS followers."""
    minimum = settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS
    followers, _ = account_selectors.follow_counts(creator.pk)
    if followers < minimum:
        raise PermissionDenied(
            f"Open plans need at least {minimum:,} followers; you have {followers:,}. "
            "Sellers can still invite you to a targeted plan.",
            code="not_eligible",
        )


def join_plan(*, creator, plan_id: int) -> Membership:
    """Joins an open plan: approved at once, or waiting for the seller under manual approval.
    Joining again after leaving or being declined asks again."""
    plan = _live_plan(plan_id)
    if plan.kind != Plan.Kind.OPEN:
        raise PermissionDenied("Targeted plans are by invitation.", code="invitation_only")
    _check_not_own_shop(creator=creator, plan=plan)
    check_eligible(creator=creator)
    status = M.APPROVED if plan.approval == Plan.Approval.AUTO else M.REQUESTED
    membership = _upsert_membership(plan=plan, creator=creator, status=status)
    if membership.status == M.REQUESTED:
        _notify_staff(plan, f"@{creator.handle} asked to join {plan.name}.")
    return membership


def join_for_product(*, creator, product_id: int) -> Membership:
    """Joins the open plan that holds `product_id`; a product in no live open plan is a 409."""
    entry = selectors.open_plan_entry(product_id=product_id)
    if entry is None:
        raise Conflict(
            "This product is not in an open collaboration plan.",
            code="not_in_plan",
            field="product_id",
        )
    return join_plan(creator=creator, plan_id=entry.plan_id)


# A membership already in one of these states is left as it is (an approved creator who joins
# again keeps their `joined_at`, which decides whether they keep a cut rate).
UNCHANGED_BY: dict[str, set[str]] = {
    M.APPROVED: {M.APPROVED},
    M.REQUESTED: {M.APPROVED, M.REQUESTED},
    M.INVITED: {M.APPROVED, M.REQUESTED, M.INVITED},
    M.DECLINED: set(),
}


def _upsert_membership(*, plan: Plan, creator, status: str) -> Membership:
    now = timezone.now()
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(plan=plan, creator=creator).first()
        )
        if membership is not None and membership.status in UNCHANGED_BY[status]:
            return membership
        membership = membership or Membership(plan=plan, creator=creator)
        membership.status = status
        membership.joined_at = now if status == M.APPROVED else None
        membership.decided_at = now
        membership.save()
    if status == M.APPROVED:
        account_services.grant_creator_role(user=creator)
    _refresh_creator_labels(membership)
    return membership


def invite(*, user, plan_id: int, handle: str) -> Membership:
    """Invites a creator (anyone: no follower minimum) to a targeted plan."""
    plan = _staff_plan(user=user, plan_id=plan_id)
    if plan.kind != Plan.Kind.TARGETED:
        raise Conflict("Only targeted plans take invitations.", code="not_targeted")
    creator = account_selectors.creator_by_handle(handle)
    _check_not_own_shop(creator=creator, plan=plan)
    membership = _upsert_membership(plan=plan, creator=creator, status=M.INVITED)
    if membership.status == M.INVITED:
        account_services.notify(
            user=creator,
            kind="plan_invitation",
            message=f"{plan.shop.name} invited you to {plan.name}.",
            url="/studio/collabs/mine/",
        )
    return membership


def _own_membership(*, creator, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("plan__shop")
        .filter(pk=membership_id, creator=creator, plan__ended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound("No such invitation or membership.", code="membership_not_found")
    return membership


def answer_invitation(*, creator, membership_id: int, accept: bool) -> Membership:
    membership = _own_membership(creator=creator, membership_id=membership_id)
    if membership.status != M.INVITED:
        raise Conflict("This invitation was already answered.", code="already_answered")
    status = M.APPROVED if accept else M.DECLINED
    membership = _upsert_membership(plan=membership.plan, creator=creator, status=status)
    verb = "accepted" if accept else "declined"
    _notify_staff(membership.plan, f"@{creator.handle} {verb} {membership.plan.name}.")
    return membership


def leave_plan(*, creator, membership_id: int) -> Membership:
    membership = _own_membership(creator=creator, membership_id=membership_id)
    if membership.status not in (M.APPROVED, M.REQUESTED):
        raise Conflict("You are not in this plan.", code="not_a_member")
    membership.status = M.LEFT
    membership.save(update_fields=["status", "updated_at"])
    _refresh_creator_labels(membership)
    return membership


def decide_membership(*, user, membership_id: int, approve: bool) -> Membership:
    """The seller approves or declines a request to join a manual-approval open plan."""
    membership = (
        Membership.objects.select_related("plan", "creator")
        .filter(pk=membership_id, plan__ended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound("No such request.", code="membership_not_found")
    catalog_services.require_shop_staff(user=user, shop_id=membership.plan.shop_id)
    if membership.status != M.REQUESTED:
        raise Conflict("This request was already decided.", code="already_answered")
    status = M.APPROVED if approve else M.DECLINED
    membership = _upsert_membership(plan=membership.plan, creator=membership.creator, status=status)
    verb = "approved" if approve else "declined"
    account_services.notify(
        user=membership.creator,
        kind="plan_decision",
        message=f"{membership.plan.shop.name} {verb} your request to join {membership.plan.name}.",
        url="/studio/collabs/mine/",
    )
    return membership


def _notify_staff(plan: Plan, message: str) -> None:
    for member in plan.shop.memberships.select_related("user"):
        account_services.notify(
            user=member.user,
            kind="affiliate",
            message=message,
            url=f"/seller/{plan.shop_id}/affiliate/",
        )


# --- Disclosure labels of anchors ---------------------------------------------------------------


def _refresh_anchor_labels(*, plan: Plan, product_id: int) -> None:
    creator_ids = Membership.objects.filter(plan=plan).values_list("creator_id", flat=True)
    for creator_id in creator_ids:
        _refresh_labels(creator_id=creator_id, product_ids=[product_id])


def _refresh_creator_labels(membership: Membership) -> None:
    product_ids = list(membership.plan.plan_products.values_list("product_id", flat=True))
    _refresh_labels(creator_id=membership.creator_id, product_ids=product_ids)


def _refresh_labels(*, creator_id: int, product_ids: list[int]) -> None:
    """Anchors earn commission (and carry the `commission` label) exactly while a term is in
    force for their creator and product."""
    from clipcart.media import services as media_services

    earning = selectors.earning_product_ids(creator_id=creator_id, product_ids=product_ids)
    media_services.set_commission_flags(
        creator_id=creator_id, earning=earning, not_earning=set(product_ids) - earning
    )


# --- Notices of cuts ----------------------------------------------------------------------------


def send_due_notices(*, limit: int = 500) -> int:
    """Tells creators about cuts reaching them within the notice period (beat). A cut replaced
    by a later change before it took effect is not announced."""
    now = timezone.now()
    due = RateChangeNotice.objects.select_related(
        "membership__creator", "membership__plan__shop", "term__plan_product__product"
    ).filter(sent_at__isnull=True, notify_at__lte=now)[:limit]
    sent = 0
    for notice in due:
        if _still_coming(notice):
            _announce(notice)
            sent += 1
        RateChangeNotice.objects.filter(pk=notice.pk).update(sent_at=now)
    return sent


def _still_coming(notice: RateChangeNotice) -> bool:
    membership, term = notice.membership, notice.term
    entry = term.plan_product
    if membership.status != M.APPROVED or membership.joined_at is None or entry.removed_at:
        return False
    versions = list(entry.terms.all())
    return terms.term_at(versions, joined_at=membership.joined_at, at=notice.takes_effect_at) == (
        term
    )


def _announce(notice: RateChangeNotice) -> None:
    term = notice.term
    product = term.plan_product.product
    when = timezone.localtime(notice.takes_effect_at).strftime("%b %-d at %H:%M")
    account_services.notify(
        user=notice.membership.creator,
        kind="rate_cut",
        message=(
            f"Commission on {product.title} ({notice.membership.plan.shop.name}) changes to "
            f"{term.describe()} on {when}."
        ),
        url="/studio/collabs/mine/",
    )
