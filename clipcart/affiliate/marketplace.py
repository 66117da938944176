"""Reads of the creator side of collaborations: the marketplace of products open for
collaboration, a creator's plans with the terms in force for them, and storefronts.

Each selector loads what its page shows in a fixed number of queries, whatever the page size.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import search
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.models import Product, Shop
from clipcart.core.errors import InvalidInput
from clipcart.core.pagination import MAX_PAGE_SIZE, Page, paginate_by_pk

from . import selectors, terms
from .models import Membership, Plan, PlanProduct, StorefrontItem, Term

M = Membership.Status
MARKETPLACE_PAGE = 24
COLLABS_PAGE = 10
SORTS = {"newest": "Newest", "rate": "Highest commission"}
ACTIVE_STATUSES = (M.INVITED, M.REQUESTED, M.APPROVED)


# --- Eligibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """Whether a person may join open plans: CLIPCART_AFFILIATE_MIN_FOLLOWERS followers."""

    followers: int
    minimum: int

    @property
    def eligible(self) -> bool:
        return self.followers >= self.minimum

    @property
    def missing(self) -> int:
        return max(0, self.minimum - self.followers)


def eligibility(*, user_id: int) -> Eligibility:
    followers, _ = account_selectors.follow_counts(user_id)
    return Eligibility(followers=followers, minimum=settings.CLIPCART_AFFILIATE_MIN_FOLLOWERS)


# --- Marketplace --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category: str = ""  # a catalog category's slug; its subcategories count too
    min_rate: Decimal | None = None
    query: str = ""
    sort: str = "newest"


def parse_filters(
    *, category: object = "", min_rate: object = None, query: object = "", sort: object = ""
) -> Filters:
    """Filters from a client's query string; a bad value is a 422 naming its field."""
    return Filters(
        category=str(category or "").strip()[:70],
        min_rate=parse_min_rate(min_rate),
        query=str(query or "").strip()[: search.MAX_QUERY_LENGTH],
        sort=_parse_sort(sort),
    )


def parse_min_rate(raw: object) -> Decimal | None:
    if raw is None or str(raw).strip() in ("", "0"):
        return None
    try:
        rate = Decimal(str(raw).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "The minimum rate must be a number such as 10.", field="min_rate"
        ) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= terms.MAX_RATE:
        raise InvalidInput(
            f"The minimum rate must be between 0% and {terms.MAX_RATE}%.", field="min_rate"
        )
    return rate


def _parse_sort(raw: object) -> str:
    sort = str(raw or "newest")
    if sort not in SORTS:
        raise InvalidInput("Sort by newest or rate.", field="sort")
    return sort


@dataclass(frozen=True)
class Listing:
    """A product open for collaboration, as one creator sees it."""

    entry: PlanProduct  # with its plan and shop
    product: Product  # a catalog card: images, price, stock
    rate: Decimal  # what a creator joining now is paid (the latest term version)
    membership: Membership | None  # the viewer's, in this plan
    my_term: Term | None  # what the viewer earns on the product now, through any plan

    @property
    def plan(self) -> Plan:
        return self.entry.plan

    @property
    def rate_label(self) -> str:
        return f"{self.rate.normalize():f}%"

    @property
    def state(self) -> str:
        """ "joined", "waiting", "declined" or "" (never asked, or left)."""
        states: dict[str, str] = {
            M.APPROVED: "joined",
            M.REQUESTED: "waiting",
            M.DECLINED: "declined",
        }
        return states.get(self.membership.status, "") if self.membership else ""


def open_entries() -> QuerySet[PlanProduct]:
    """Products in force in live open plans, active and in a shop that is not suspended, with
    `current_rate`: the latest version of their term, which is what a new joiner gets."""
    latest = Term.objects.filter(plan_product=OuterRef("pk")).order_by("-version")
    return (
        selectors.live_entries()
        .filter(
            plan__kind=Plan.Kind.OPEN,
            plan__ended_at__isnull=True,
            product__status=Product.Status.ACTIVE,
        )
        .exclude(product__shop__status=Shop.Status.SUSPENDED)
        .annotate(current_rate=Subquery(latest.values("rate")[:1]))
    )


def _filtered(entries: QuerySet[PlanProduct], filters: Filters) -> QuerySet[PlanProduct]:
    if filters.category:
        entries = entries.filter(
            Q(product__category__slug=filters.category)
            | Q(product__category__parent__slug=filters.category)
        )
    if filters.min_rate is not None:
        entries = entries.filter(current_rate__gte=filters.min_rate)  # type: ignore[misc]
    if search.query_words(filters.query):
        entries = entries.filter(product_id__in=search.matching_product_ids(filters.query))
    return entries


def marketplace(
    *, viewer, filters: Filters, cursor: str | None = None, size: int = MARKETPLACE_PAGE
) -> Page[Listing]:
    """One page of the products open for collaboration, newest or best paid first. A seller's
    own shops are left out: nobody earns commission on their own products."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    entries = _filtered(open_entries(), filters).exclude(
        plan__shop_id__in=catalog_selectors.shop_ids_of(viewer)
    )
    if filters.sort == "rate":
        rows, next_cursor = _page_by_rate(entries, cursor=cursor, size=size)
    else:
        page = paginate_by_pk(entries.select_related("plan__shop"), cursor=cursor, size=size)
        rows, next_cursor = page.items, page.next_cursor
    return Page(items=_listings(rows, viewer=viewer), next_cursor=next_cursor)


def _page_by_rate(
    entries: QuerySet[PlanProduct], *, cursor: str | None, size: int
) -> tuple[list[PlanProduct], str | None]:
    # Keyset on (rate, pk), both descending: stable while plans change, cheap at any depth.
    if cursor:
        rate, pk = _decode_rate_cursor(cursor)
        after = Q(current_rate__lt=rate) | Q(current_rate=rate, pk__lt=pk)
        entries = entries.filter(after)
    ordered = entries.select_related("plan__shop").order_by("-current_rate", "-pk")  # type: ignore[misc]
    rows = list(ordered[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], _encode_rate_cursor(last.current_rate, last.pk)  # type: ignore[attr-defined]


def _encode_rate_cursor(rate: Decimal, pk: int) -> str:
    raw = f"r:{int(rate * 100)}:{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_rate_cursor(cursor: str) -> tuple[Decimal, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, cents, pk = raw.split(":")
        if kind != "r" or int(cents) < 0 or int(pk) < 0:
            raise ValueError(kind)
        return Decimal(int(cents)) / 100, int(pk)
    except (ValueError, UnicodeDecodeError):  # a cursor of the other sort fails here too
        raise InvalidInput("The cursor is not valid.", field="cursor") from None


def _listings(rows: list[PlanProduct], *, viewer) -> list[Listing]:
    product_ids = [entry.product_id for entry in rows]
    cards = catalog_selectors.product_cards(product_ids)
    memberships = {
        m.plan_id: m
        for m in Membership.objects.filter(
            creator_id=viewer.pk, plan_id__in={entry.plan_id for entry in rows}
        )
    }
    mine = selectors.terms_for(creator_id=viewer.pk, product_ids=product_ids) if rows else {}
    return [
        Listing(
            entry=entry,
            product=cards[entry.product_id],
            rate=entry.current_rate,  # type: ignore[attr-defined]
            membership=memberships.get(entry.plan_id),
            my_term=mine.get(entry.product_id),
        )
        for entry in rows
        if entry.product_id in cards
    ]


# --- A creator's collaborations -----------------------------------------------------------------


@dataclass(frozen=True)
class ProductTerms:
    """A product of a plan as one creator sees it: the term in force for them in this plan, the
    changes scheduled to reach them, and whether this plan is the one that pays them."""

    entry: PlanProduct
    product: Product | None  # the catalog card; None once the product is no longer listed
    term: Term | None
    upcoming: list[terms.Scheduled]
    pays: bool

    @property
    def next_change(self) -> terms.Scheduled | None:
        return self.upcoming[0] if self.upcoming else None


@dataclass(frozen=True)
class Collaboration:
    membership: Membership  # with its plan and shop
    products: list[ProductTerms]

    @property
    def plan(self) -> Plan:
        return self.membership.plan


def collaborations(
    *,
    creator_id: int,
    statuses: tuple[str, ...] = ACTIVE_STATUSES,
    cursor: str | None = None,
    size: int = COLLABS_PAGE,
) -> Page[Collaboration]:
    """The creator's memberships in live plans, newest first, each with its products."""
    memberships = Membership.objects.select_related("plan__shop").filter(
        creator_id=creator_id, status__in=statuses, plan__ended_at__isnull=True
    )
    page = paginate_by_pk(memberships, cursor=cursor, size=size)
    return Page(
        items=_with_products(page.items, creator_id=creator_id), next_cursor=page.next_cursor
    )


def collaboration(*, membership: Membership) -> Collaboration:
    """One membership with its products, as `collaborations` shows it."""
    return _with_products([membership], creator_id=membership.creator_id)[0]


def _with_products(memberships: list[Membership], *, creator_id: int) -> list[Collaboration]:
    entries = list(
        selectors.live_entries()
        .filter(plan_id__in=[m.plan_id for m in memberships])
        .select_related("product")
        .prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("version")))
        .order_by("pk")
    )
    product_ids = {entry.product_id for entry in entries}
    cards = catalog_selectors.product_cards(product_ids)
    paying = selectors.terms_for(creator_id=creator_id, product_ids=product_ids)
    now = timezone.now()
    by_plan: dict[int, list[PlanProduct]] = {}
    for entry in entries:
        by_plan.setdefault(entry.plan_id, []).append(entry)
    return [
        Collaboration(
            membership=membership,
            products=[
                _product_terms(
                    entry,
                    membership,
                    card=cards.get(entry.product_id),
                    now=now,
                    paying=paying.get(entry.product_id),
                )
                for entry in by_plan.get(membership.plan_id, [])
            ],
        )
        for membership in memberships
    ]


def _product_terms(
    entry: PlanProduct, membership: Membership, *, card, now: datetime, paying: Term | None
) -> ProductTerms:
    versions = list(entry.terms.all())
    if membership.status == M.APPROVED and membership.joined_at is not None:
        schedule = terms.schedule(versions, joined_at=membership.joined_at)
        term = terms.in_force(schedule, at=now)
        upcoming = [s for s in schedule if s.starts_at > now]
    else:  # invited or waiting: joining now gets the latest version, with nothing to wait for
        term, upcoming = (versions[-1] if versions else None), []
    pays = term is not None and paying is not None and paying.pk == term.pk
    return ProductTerms(entry=entry, product=card, term=term, upcoming=upcoming, pays=pays)


# --- Storefronts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShelfItem:
    item: StorefrontItem
    product: Product | None  # the catalog card; None once the product is no longer listed
    earns_commission: bool  # the creator has a term in force on it now: shoppers are told

    @property
    def product_id(self) -> int:
        return self.item.product_id


def storefront(*, creator_id: int, include_unlisted: bool = False) -> list[ShelfItem]:
    """The creator's storefront in their order. Visitors see listed products only; the creator
    (`include_unlisted`) also sees the ones that went away, to remove them."""
    items = list(
        StorefrontItem.objects.filter(creator_id=creator_id)
        .select_related("product")
        .order_by("position", "pk")
    )
    product_ids = [item.product_id for item in items]
    cards = catalog_selectors.product_cards(product_ids) if items else {}
    earning = (
        selectors.earning_product_ids(creator_id=creator_id, product_ids=product_ids)
        if items
        else set()
    )
    shelf = [
        ShelfItem(item, cards.get(item.product_id), item.product_id in earning) for item in items
    ]
    return [s for s in shelf if s.product is not None or include_unlisted]


def storefront_product_ids(*, creator_id: int) -> set[int]:
    return set(
        StorefrontItem.objects.filter(creator_id=creator_id).values_list("product_id", flat=True)
    )


def in_storefront(*, creator_id: int, product_id: int) -> bool:
    return StorefrontItem.objects.filter(creator_id=creator_id, product_id=product_id).exists()


def earning_products(*, creator_id: int, size: int = 12) -> list[Product]:
    """Listed products the creator earns commission on and has not put in their storefront yet,
    newest in a plan first: what the storefront editor suggests."""
    plan_ids = Membership.objects.filter(creator_id=creator_id, status=M.APPROVED).values("plan_id")
    candidate_ids = list(
        selectors.live_entries()
        .filter(plan_id__in=plan_ids, plan__ended_at__isnull=True)
        .exclude(
            product_id__in=StorefrontItem.objects.filter(creator_id=creator_id).values("product_id")
        )
        .order_by("-pk")
        .values_list("product_id", flat=True)[:MAX_PAGE_SIZE]
    )
    earning = selectors.earning_product_ids(creator_id=creator_id, product_ids=candidate_ids)
    ordered = list(dict.fromkeys(pk for pk in candidate_ids if pk in earning))
    cards = catalog_selectors.product_cards(ordered[: size * 2])
    return [cards[pk] for pk in ordered if pk in cards][:size]
