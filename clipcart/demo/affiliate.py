"""Affiliate life for the demo: collaboration plans on the products the demo creators tag, the
creators in them, a history of rates, and the touches and commissions of the demo's orders.

Plans, terms and memberships go through `affiliate.services` (so terms are validated and the
anchors' commission labels follow), then are backdated to a planned history. Touches and
commissions are bulk-written the way `affiliate.services.touches` and `.commissions` leave
them: the term is the one `affiliate.selectors.term_for` finds at the time of the order, the
amount follows `affiliate.terms.commission_amount`, and the status follows the order (cancelled,
delivered and past the return window → payable and, after a payout run, paid; a refund claws
back in proportion). Times count back from the seed's `base`.

The history covers every demo order (90 days), not only the last 30: a commission becomes
payable 30 days after delivery, so only older orders show the whole pending → payable → paid
cycle. Sales from before the videos were posted came through the creators' share links.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.test.utils import override_settings
from django.utils import timezone

from clipcart.accounts.models import User
from clipcart.affiliate import selectors, terms
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import (
    Commission,
    CommissionAdjustment,
    Membership,
    Plan,
    PlanProduct,
    RateChangeNotice,
    Term,
    Touch,
)
from clipcart.affiliate.services import commissions as commission_services
from clipcart.affiliate.services.touches import window_of
from clipcart.catalog.models import Product, ShopMember
from clipcart.feed.models import Event
from clipcart.media.models import Anchor, Post
from clipcart.orders.models import LineRefund, Order, OrderEvent, OrderLine, OrderStatus

SEED = 4
DAY = timedelta(days=1)
HISTORY = 91 * DAY  # orders this recent may have been sold by a creator: all of the demo's
PLANS_OPENED = 95 * DAY  # before the history starts: every sale in it can earn
TARGETED_OPENED = 40 * DAY
RAISED = 35 * DAY
CUT = 12 * DAY  # within the grace period: creators already promoting keep the old rate
PAYOUT_EVERY = 14 * DAY
LAST_PAYOUT = 5 * DAY
ATTRIBUTED = 0.8  # of the lines a creator could have sold, the share they did
OPEN_RATES = ("8", "10", "10", "12", "12.5", "15", "15", "18", "20")
TARGETED_BONUS = Decimal("6")
CREATOR_LOGIN = "creator"
C = Commission.Status


@dataclass(frozen=True)
class AffiliateCounts:
    plans: int = 0
    memberships: int = 0
    touches: int = 0
    commissions: int = 0


@dataclass
class _Tags:
    """Who tags what: product → creator → their posts tagging it, (published_at, post id)."""

    posts: dict[int, dict[int, list[tuple[datetime, int]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    shop_of: dict[int, int] = field(default_factory=dict)

    def products_of(self, shop_id: int) -> list[int]:
        return sorted(p for p, s in self.shop_of.items() if s == shop_id)

    def creators_of(self, shop_id: int) -> list[int]:
        return sorted({c for p in self.products_of(shop_id) for c in self.posts[p]})


def seed(*, base: datetime) -> AffiliateCounts:
    """Writes the affiliate world. Precondition: inside the seed's transaction, after the
    videos (their anchors say who promotes what) and the viewing history."""
    tags = _tags()
    if not tags.shop_of:
        return AffiliateCounts()
    rng = random.Random(SEED)
    _fill_delivery_times()
    plans = _plans(rng, tags, base=base)
    touches, commissions = _sales(rng, tags, base=base)
    return AffiliateCounts(
        plans=len(plans),
        memberships=Membership.objects.count(),
        touches=touches,
        commissions=commissions,
    )


def _tags() -> _Tags:
    tags = _Tags()
    anchors = Anchor.objects.filter(
        product__status=Product.Status.ACTIVE,
        post__status=Post.Status.READY,
        post__removed_at__isnull=True,
    ).values_list(
        "product_id", "product__shop_id", "post__creator_id", "post_id", "post__published_at"
    )
    staff = set(ShopMember.objects.values_list("shop_id", "user_id"))
    for product_id, shop_id, creator_id, post_id, published_at in anchors.order_by("id"):
        if published_at is None or (shop_id, creator_id) in staff:  # no self-promotion
            continue
        tags.shop_of[product_id] = shop_id
        tags.posts[product_id][creator_id].append((published_at, post_id))
    return tags


def _fill_delivery_times() -> None:
    """The demo writer records deliveries as order events only; the orders' `delivered_at`,
    which the release of commission reads, is the time of that event."""
    delivery = OrderEvent.objects.filter(
        order_id=OuterRef("pk"), to_status=OrderStatus.DELIVERED
    ).values("created_at")[:1]
    Order.objects.filter(
        status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED], delivered_at__isnull=True
    ).update(delivered_at=Subquery(delivery))


# --- Plans, terms and who is in them -------------------------------------------------------------


def _owner(shop_id: int) -> User:
    return ShopMember.objects.select_related("user").get(shop_id=shop_id, role="owner").user


def _plans(rng: random.Random, tags: _Tags, *, base: datetime) -> list[Plan]:
    """An open plan for every shop whose products are tagged (manual approval for one), a
    targeted plan for the `creator` login, a raise and a cut; then the history is backdated."""
    shop_ids = sorted(set(tags.shop_of.values()))
    creator = User.objects.filter(username=CREATOR_LOGIN).first()
    featured = _featured_shop(tags, shop_ids, creator)
    manual = _manual_shop(tags, shop_ids, featured)
    plans, open_rates = [], {}
    # The demo's creators have tens of followers, not the thousands an instance may ask of
    # creators joining open plans: the seeded world would otherwise have no one promoting.
    with override_settings(CLIPCART_AFFILIATE_MIN_FOLLOWERS=0):
        for shop_id in shop_ids:
            plan, rates = _open_plan(rng, tags, shop_id, manual=shop_id == manual, base=base)
            plans.append(plan)
            open_rates.update(rates)
        if creator is not None and featured is not None:
            plans.append(_targeted_plan(tags, featured, creator, open_rates, base=base))
    if featured is not None:
        _rate_history(featured, base=base)
    return plans


def _featured_shop(tags: _Tags, shop_ids: list[int], creator: User | None) -> int | None:
    """Where the `creator` login gets a targeted plan: the `seller` login's shop if the creator
    tags its products, else the shop whose products they tag most."""
    if creator is None:
        return shop_ids[0]
    tagged = [tags.shop_of[p] for p, by in tags.posts.items() if creator.pk in by]
    if not tagged:
        return shop_ids[0]
    seller_shops = set(
        ShopMember.objects.filter(user__username="seller").values_list("shop_id", flat=True)
    )
    mine = [s for s in tagged if s in seller_shops]
    return mine[0] if mine else max(sorted(set(tagged)), key=tagged.count)


def _manual_shop(tags: _Tags, shop_ids: list[int], featured: int | None) -> int | None:
    """The shop that approves its creators by hand: the other one with the most creators."""
    others = [s for s in shop_ids if s != featured]
    return max(others, key=lambda s: len(tags.creators_of(s))) if others else None


def _open_plan(
    rng: random.Random, tags: _Tags, shop_id: int, *, manual: bool, base: datetime
) -> tuple[Plan, dict[int, Decimal]]:
    owner = _owner(shop_id)
    approval = Plan.Approval.MANUAL if manual else Plan.Approval.AUTO
    plan = affiliate_services.open_plan(user=owner, shop_id=shop_id, approval=approval)
    rates = {p: Decimal(rng.choice(OPEN_RATES)) for p in tags.products_of(shop_id)}
    _add_products(plan, rates, owner=owner)
    _backdate_plan(plan, opened=base - PLANS_OPENED)
    creators = User.objects.filter(pk__in=tags.creators_of(shop_id)).order_by("pk")
    waiting = _left_waiting(list(creators)) if manual else None
    for creator in creators:
        membership = affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
        if membership.status == Membership.Status.REQUESTED and creator != waiting:
            affiliate_services.decide_membership(
                user=owner, membership_id=membership.pk, approve=True
            )
        joined = base - PLANS_OPENED + timedelta(hours=rng.uniform(6, 96))
        asked = base - 2 * DAY if creator == waiting else joined - timedelta(hours=20)
        _backdate_membership(membership.pk, joined=joined, asked=asked)
    return plan, rates


def _add_products(plan: Plan, rates: dict[int, Decimal], *, owner: User) -> None:
    """The plan's products with their first terms, as `add_product` leaves them (written in
    bulk: one by one is a tenth of the seed's time at scale 1). No creator has joined yet, so
    there are no anchor labels to refresh."""
    now = timezone.now()
    entries = PlanProduct.objects.bulk_create(
        PlanProduct(plan=plan, product_id=product_id, added_at=now) for product_id in rates
    )
    Term.objects.bulk_create(
        Term(
            plan_product=entry,
            version=1,
            rate=terms.parse_rate(f"{rates[entry.product_id]}"),
            currency=plan.shop.currency,
            effective_at=now,
            created_by=owner,
        )
        for entry in entries
    )


def _left_waiting(creators: list[User]) -> User | None:
    """In the manual plan one request waits for the seller (never the `creator` login's)."""
    others = [c for c in creators if c.username != CREATOR_LOGIN]
    return others[-1] if len(creators) > 1 and others else None


def _targeted_plan(
    tags: _Tags, shop_id: int, creator: User, open_rates: dict[int, Decimal], *, base: datetime
) -> Plan:
    """A better rate for the `creator` login on the first product they tag in the shop."""
    owner = _owner(shop_id)
    product_id = next(p for p in tags.products_of(shop_id) if creator.pk in tags.posts[p])
    plan = affiliate_services.create_targeted_plan(
        user=owner,
        shop_id=shop_id,
        name=f"Launch partners: @{creator.handle}",
        message="Your videos sell our bestseller: here is a better rate for them.",
    )
    offer = affiliate_services.Offer(rate=open_rates[product_id] + TARGETED_BONUS)
    affiliate_services.add_product(user=owner, plan_id=plan.pk, product_id=product_id, offer=offer)
    invitation = affiliate_services.invite(user=owner, plan_id=plan.pk, handle=creator.handle)
    affiliate_services.answer_invitation(creator=creator, membership_id=invitation.pk, accept=True)
    opened = base - TARGETED_OPENED
    _backdate_plan(plan, opened=opened)
    _backdate_membership(invitation.pk, joined=opened + DAY, asked=opened + timedelta(hours=1))
    return plan


def _rate_history(shop_id: int, *, base: datetime) -> None:
    """On one product of the shop's open plan: a raise that reached everyone at once, then a
    cut that the creators already promoting get only after the grace period (they have been
    told). A product outside any targeted plan, where one exists: there the open plan pays."""
    owner = _owner(shop_id)
    entries = PlanProduct.objects.filter(
        plan__shop_id=shop_id, plan__kind=Plan.Kind.OPEN, removed_at__isnull=True
    ).order_by("product_id")
    targeted = PlanProduct.objects.filter(
        plan__shop_id=shop_id, plan__kind=Plan.Kind.TARGETED
    ).values_list("product_id", flat=True)
    entry = entries.exclude(product_id__in=list(targeted)).first() or entries.first()
    if entry is not None:
        _change(owner, entry, by=Decimal("4"), at=base - RAISED)
        _change(owner, entry, by=Decimal("-3"), at=base - CUT)


def _change(owner: User, entry: PlanProduct, *, by: Decimal, at: datetime) -> None:
    latest = entry.terms.order_by("-version").first()
    assert latest is not None and latest.rate is not None
    rate = min(max(latest.rate + by, terms.MIN_RATE), terms.MAX_RATE)
    term = affiliate_services.change_term(
        user=owner, plan_product_id=entry.pk, offer=affiliate_services.Offer(rate=rate)
    )
    Term.objects.filter(pk=term.pk).update(effective_at=at)
    _reschedule_notices(term)


def _reschedule_notices(term: Term) -> None:
    """The notices `change_term` scheduled from now, moved to the backdated cut."""
    versions = list(Term.objects.filter(plan_product_id=term.plan_product_id))
    lead = timedelta(days=settings.CLIPCART_AFFILIATE_CUT_NOTICE_DAYS)
    for notice in RateChangeNotice.objects.filter(term=term).select_related("membership"):
        joined_at = notice.membership.joined_at
        assert joined_at is not None
        starts = next(
            s.starts_at
            for s in terms.schedule(versions, joined_at=joined_at)
            if s.term.pk == term.pk
        )
        RateChangeNotice.objects.filter(pk=notice.pk).update(
            takes_effect_at=starts, notify_at=starts - lead
        )


def _backdate_plan(plan: Plan, *, opened: datetime) -> None:
    Plan.objects.filter(pk=plan.pk).update(created_at=opened, updated_at=opened)
    PlanProduct.objects.filter(plan=plan).update(added_at=opened)
    Term.objects.filter(plan_product__plan=plan).update(effective_at=opened)


def _backdate_membership(membership_id: int, *, joined: datetime, asked: datetime) -> None:
    membership = Membership.objects.get(pk=membership_id)
    approved = membership.status == Membership.Status.APPROVED
    Membership.objects.filter(pk=membership_id).update(
        created_at=asked,
        updated_at=joined if approved else asked,
        decided_at=joined if approved else asked,
        joined_at=joined if approved else None,
    )


# --- Sales: touches and commissions --------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    id: int
    order_id: int
    buyer_id: int
    shop_id: int
    product_id: int
    status: str
    placed_at: datetime
    changed_at: datetime
    delivered_at: datetime | None
    quantity: int
    base: Decimal
    currency: str


def _lines(tags: _Tags, *, base: datetime) -> list[_Line]:
    rows = (
        OrderLine.objects.filter(
            product_id__in=list(tags.shop_of),
            order__created_at__gte=base - HISTORY,
            order__created_at__lte=base,
        )
        .order_by("id")
        .values_list(
            "id",
            "order_id",
            "order__buyer_id",
            "order__shop_id",
            "product_id",
            "order__status",
            "order__created_at",
            "order__updated_at",
            "order__delivered_at",
            "quantity",
            "line_total",
            "discount",
            "order__currency",
        )
    )
    return [_Line(*row[:10], row[10] - row[11], row[12]) for row in rows]  # type: ignore[arg-type]


TouchKey = tuple[str, int, int, str, int, int]


def _sales(rng: random.Random, tags: _Tags, *, base: datetime) -> tuple[int, int]:
    touches: dict[TouchKey, Touch] = {}
    sold: list[tuple[_Line, TouchKey, Term]] = []
    cache = _TermCache(tags)
    for line in _lines(tags, base=base):
        if rng.random() >= ATTRIBUTED:
            continue
        chosen = _seller_of(rng, tags, line, cache)
        if chosen is not None:
            creator_id, term = chosen
            key = _sale_touch(rng, tags, line, creator_id, touches)
            sold.append((line, key, term))
    _viewing_touches(touches)
    Touch.objects.bulk_create(touches.values(), batch_size=500)
    commissions = [_commission(line, touches[key], term) for line, key, term in sold]
    _write_commissions(commissions, [line for line, _, _ in sold], base=base)
    return len(touches), len(commissions)


class _TermCache:
    """`selectors.term_for`, asked once per creator, product and stretch of time in which none of
    their terms, memberships and plan entries changes (the answer cannot differ inside one): the
    real rule, without thousands of queries."""

    def __init__(self, tags: _Tags) -> None:
        grace = terms.grace()
        self.tagged: dict[int, list[int]] = defaultdict(list)
        for product_id, creators in sorted(tags.posts.items()):
            for creator_id in creators:
                self.tagged[creator_id].append(product_id)
        self.joined: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
        memberships = Membership.objects.values_list("plan_id", "creator_id", "joined_at")
        for plan_id, creator_id, joined_at in memberships:
            if joined_at is not None:
                self.joined[creator_id].append((plan_id, joined_at))
        self.entries: dict[int, list[tuple[int, list[datetime]]]] = defaultdict(list)
        for entry in PlanProduct.objects.prefetch_related("terms"):
            changes = [entry.added_at, *([entry.removed_at] if entry.removed_at else [])]
            for term in entry.terms.all():
                changes += [term.effective_at, term.effective_at + grace]
            self.entries[entry.product_id].append((entry.plan_id, changes))
        self.changes: dict[tuple[int, int], list[datetime]] = {}
        self.found: dict[tuple[int, int, int], Term | None] = {}

    def _changes(self, creator_id: int, product_id: int) -> list[datetime]:
        pair = (creator_id, product_id)
        if pair not in self.changes:
            plans = {plan_id for plan_id, _ in self.entries[product_id]}
            instants = [at for plan_id, at in self.joined[creator_id] if plan_id in plans]
            for _, changes in self.entries[product_id]:
                instants += changes
            self.changes[pair] = sorted(set(instants))
        return self.changes[pair]

    def _key(self, creator_id: int, product_id: int, at: datetime) -> tuple[int, int, int]:
        stretch = bisect.bisect_right(self._changes(creator_id, product_id), at)
        return creator_id, product_id, stretch

    def term_for(self, *, creator_id: int, product_id: int, at: datetime) -> Term | None:
        key = self._key(creator_id, product_id, at)
        if key not in self.found:
            # One question answers for every product the creator tags, each in its stretch.
            products = self.tagged[creator_id]
            found = selectors.terms_for(creator_id=creator_id, product_ids=products, at=at)
            for other in products:
                self.found[self._key(creator_id, other, at)] = found.get(other)
        return self.found[key]


def _seller_of(
    rng: random.Random, tags: _Tags, line: _Line, cache: _TermCache
) -> tuple[int, Term] | None:
    """The creator whose touch sold the line, with the term in force for them when it was
    bought; None if no creator who tags the product earned on it then."""
    candidates = [c for c in sorted(tags.posts[line.product_id]) if c != line.buyer_id]
    rng.shuffle(candidates)
    for creator_id in candidates:
        term = cache.term_for(creator_id=creator_id, product_id=line.product_id, at=line.placed_at)
        if term is not None:
            return creator_id, term
    return None


def _sale_touch(
    rng: random.Random, tags: _Tags, line: _Line, creator_id: int, touches: dict
) -> TouchKey:
    """The buyer's last touch before buying: a tap on an anchor of a video that was already
    out, else a visit through the creator's share link."""
    last_at = line.placed_at - timedelta(minutes=rng.uniform(2, 30 * 60))
    posts = [p for at, p in tags.posts[line.product_id][creator_id] if at < last_at]
    kind, post_id = (
        (Touch.Kind.ANCHOR_CLICK, rng.choice(posts)) if posts else (Touch.Kind.SHARE_VISIT, 0)
    )
    hits = rng.choice((1, 1, 1, 2, 3))
    first_at = last_at - timedelta(seconds=rng.uniform(20, 600)) if hits > 1 else last_at
    if window_of(first_at) != window_of(last_at):
        first_at, hits = last_at, 1
    touch = Touch(
        actor=f"u:{line.buyer_id}",
        creator_id=creator_id,
        product_id=line.product_id,
        post_id=post_id,
        kind=kind,
        window=window_of(last_at),
        first_at=first_at,
        last_at=last_at,
        hits=hits,
    )
    key = _key(touch)
    touches[key] = _merged(touches.get(key), touch)
    return key


def _key(touch: Touch) -> TouchKey:
    return (
        touch.actor,
        touch.creator_id,
        touch.product_id,
        touch.kind,
        touch.post_id,
        touch.window,
    )


def _merged(old: Touch | None, new: Touch) -> Touch:
    if old is None:
        return new
    old.hits += new.hits
    old.first_at, old.last_at = min(old.first_at, new.first_at), max(old.last_at, new.last_at)
    return old


def _viewing_touches(touches: dict[TouchKey, Touch]) -> None:
    """The viewing history's taps on anchors that earn commission are touches too (the events
    beacon records them so): clicks that did not all lead to a sale."""
    earning = dict(
        ((post_id, product_id), creator_id)
        for post_id, product_id, creator_id in Anchor.objects.filter(
            earns_commission=True, product__isnull=False
        ).values_list("post_id", "product_id", "post__creator_id")
    )
    clicks = Event.objects.filter(
        type="anchor_click", video_id__in={post for post, _ in earning}
    ).values_list("actor", "video_id", "product_id", "ts")
    for actor, post_id, product_id, at in clicks.order_by("id"):
        creator_id = earning.get((post_id or 0, product_id or 0))
        if creator_id is None or post_id is None or product_id is None:
            continue
        if actor == f"u:{creator_id}":  # a creator's own taps are not touches
            continue
        touch = Touch(
            actor=actor,
            creator_id=creator_id,
            product_id=product_id,
            post_id=post_id,
            kind=Touch.Kind.ANCHOR_CLICK,
            window=window_of(at),
            first_at=at,
            last_at=at,
        )
        touches[_key(touch)] = _merged(touches.get(_key(touch)), touch)


def _commission(line: _Line, touch: Touch, term: Term) -> Commission:
    """The attribution receipt exactly as a purchase writes it, dated when the order was placed."""
    commission = commission_services.new_receipt(
        line_id=line.id,
        order_id=line.order_id,
        shop_id=line.shop_id,
        product_id=line.product_id,
        quantity=line.quantity,
        base=line.base,
        currency=line.currency,
        touch=touch,
        term=term,
        earned_at=line.placed_at,
    )
    commission.created_at = commission.updated_at = line.placed_at
    return commission


def _write_commissions(commissions: list[Commission], lines: list[_Line], *, base: datetime):
    refunds = _refunds_by_line([line.id for line in lines])
    adjustments: list[CommissionAdjustment] = []
    for commission, line in zip(commissions, lines, strict=True):
        _follow_order(commission, line, base=base)
    from .services import timestamps_as_given

    with timestamps_as_given(Commission, CommissionAdjustment):
        Commission.objects.bulk_create(commissions, batch_size=500)
        for commission, line in zip(commissions, lines, strict=True):
            adjustments.extend(_adjustments(commission, line, refunds.get(line.id, [])))
        CommissionAdjustment.objects.bulk_create(adjustments, batch_size=500)


def _refunds_by_line(line_ids: Iterable[int]) -> dict[int, list[LineRefund]]:
    found: dict[int, list[LineRefund]] = defaultdict(list)
    for refund in LineRefund.objects.filter(line_id__in=list(line_ids)).order_by("id"):
        found[refund.line_id].append(refund)
    return found


def _follow_order(commission: Commission, line: _Line, *, base: datetime) -> None:
    """Status and times as `cancel_commissions`, `release_payable` and `pay_out` leave them."""
    window = timedelta(days=settings.CLIPCART_RETURN_WINDOW_DAYS)
    if line.status == OrderStatus.CANCELLED:
        commission.status, commission.status_reason = C.CANCELLED, "Order cancelled"
        commission.updated_at = line.changed_at
        return
    delivered = line.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    if not delivered or line.delivered_at is None or line.delivered_at + window > base:
        return  # pending: the return window is open, or the order is not delivered yet
    commission.status, commission.payable_at = C.PAYABLE, line.delivered_at + window
    paid_at = _payout_after(commission.payable_at, base=base)
    if paid_at is not None:
        commission.status, commission.paid_at = C.PAID, paid_at
        commission.status_reason = f"Paid: demo payout {paid_at:%Y-%m-%d}"
    commission.updated_at = commission.paid_at or commission.payable_at


def _payout_after(payable_at: datetime, *, base: datetime) -> datetime | None:
    """The first payout run (every two weeks) at or after `payable_at`, if one has happened."""
    last = base - LAST_PAYOUT
    if payable_at > last:
        return None
    return last - PAYOUT_EVERY * ((last - payable_at) // PAYOUT_EVERY)


def _adjustments(
    commission: Commission, line: _Line, refunds: list[LineRefund]
) -> list[CommissionAdjustment]:
    """The money rows of a cancellation, or of each refund (`claw_back_commission`)."""
    if commission.status == C.CANCELLED:
        return [
            CommissionAdjustment(
                commission=commission,
                kind=CommissionAdjustment.Kind.CANCELLATION,
                amount=commission.amount,
                key=f"cancel-{commission.pk}",
                note="Order cancelled",
                created_at=line.changed_at,
            )
        ]
    made, refunded = [], Decimal("0.00")
    for refund in refunds:
        refunded += refund.amount
        target = terms.clawed_back_after(
            amount=commission.amount, base=commission.base, refunded_total=refunded
        )
        if target > commission.clawed_back:
            made.append(
                CommissionAdjustment(
                    commission=commission,
                    kind=CommissionAdjustment.Kind.CLAWBACK,
                    amount=target - commission.clawed_back,
                    key=f"refund-{line.id}-{refunded}",
                    note=f"{refunded} of {commission.base} {commission.currency} refunded",
                    created_at=refund.created_at,
                )
            )
            commission.clawed_back = target
    if made:
        _after_refunds(commission, refunded)
    return made


def _after_refunds(commission: Commission, refunded: Decimal) -> None:
    update: dict[str, object] = {"clawed_back": commission.clawed_back}
    if refunded >= commission.base and commission.status in (C.PENDING, C.PAYABLE):
        update |= {"status": C.CANCELLED, "status_reason": "Refunded in full"}
    Commission.objects.filter(pk=commission.pk).update(**update)
    for name, value in update.items():
        setattr(commission, name, value)
