"""Reads of free samples: the post that fulfils a sample, and the lists the seller's and the
creator's pages and the API show. Each list loads in a fixed number of queries.

`first_posts` reads the media app's Post and Anchor rows directly, read-only: no selector of
`clipcart.media.selectors` answers "the first live post of this creator tagging this product
published after a moment", and the affiliate app never writes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.models import Product, Shop
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.pagination import Page, paginate_by_pk
from clipcart.media.models import Anchor, Post

from . import selectors
from .models import SampleOffer, SampleRequest

S = SampleRequest.Status
# A unit is spoken for from approval on; a cancelled or declined request gives it back.
COMMITTED = (S.APPROVED, S.SHIPPED, S.DELIVERED, S.POSTED, S.OVERDUE)
OPEN = (S.REQUESTED, S.APPROVED, S.SHIPPED, S.DELIVERED)


# --- The post that fulfils a sample -------------------------------------------------------------


@dataclass(frozen=True)
class FoundPost:
    post_id: int
    published_at: datetime


@dataclass(frozen=True)
class PostWanted:
    """A live post of `creator_id` tagging `product_id`, published at or after `after`."""

    creator_id: int
    product_id: int
    after: datetime


def first_posts(wanted: Iterable[PostWanted]) -> dict[PostWanted, FoundPost]:
    """The earliest live post matching each wish, for those that have one (one query)."""
    wishes = list(wanted)
    if not wishes:
        return {}
    rows = (
        Anchor.objects.filter(
            post__creator_id__in={w.creator_id for w in wishes},
            product_id__in={w.product_id for w in wishes},
            post__status=Post.Status.READY,
            post__removed_at__isnull=True,
            post__published_at__gte=min(w.after for w in wishes),
        )
        .order_by("post__published_at", "post_id")
        .values_list("post__creator_id", "product_id", "post_id", "post__published_at")
    )
    by_pair: dict[tuple[int, int], list[PostWanted]] = defaultdict(list)
    for wish in wishes:
        by_pair[(wish.creator_id, wish.product_id)].append(wish)
    found: dict[PostWanted, FoundPost] = {}
    for creator_id, product_id, post_id, published_at in rows:  # earliest first
        assert published_at is not None  # ready posts are published (a check constraint)
        for wish in by_pair.get((creator_id, product_id), []):
            if wish not in found and published_at >= wish.after:
                found[wish] = FoundPost(post_id=post_id, published_at=published_at)
    return found


def first_post(*, creator_id: int, product_id: int, after: datetime) -> FoundPost | None:
    wish = PostWanted(creator_id=creator_id, product_id=product_id, after=after)
    return first_posts([wish]).get(wish)


# --- Offers ---------------------------------------------------------------------------------------


def with_counts(offers: QuerySet[SampleOffer]) -> QuerySet[SampleOffer]:
    """Offers with `committed` (units approved or sent), `units_left` (the limit less those;
    below zero never, as the limit cannot go under what is committed) and `waiting` (requests
    to decide)."""
    return offers.annotate(
        committed=Count("requests", filter=Q(requests__status__in=COMMITTED)),
        waiting=Count("requests", filter=Q(requests__status=S.REQUESTED)),
    ).annotate(units_left=F("quantity_limit") - F("committed"))


def remaining(offer: SampleOffer) -> int:
    """Units still free of an offer loaded through `with_counts`."""
    return max(0, offer.units_left)  # type: ignore[attr-defined]


def committed_count(*, offer_id: int) -> int:
    return SampleRequest.objects.filter(offer_id=offer_id, status__in=COMMITTED).count()


def shop_offers(*, shop_id: int, cursor: str | None = None, size: int = 50) -> Page[SampleOffer]:
    offers = with_counts(SampleOffer.objects.filter(shop_id=shop_id).select_related("product"))
    return paginate_by_pk(offers, cursor=cursor, size=size)


def shop_offer(*, shop_id: int, offer_id: int) -> SampleOffer:
    offer = (
        with_counts(SampleOffer.objects.filter(shop_id=shop_id, pk=offer_id))
        .select_related("product")
        .first()
    )
    if offer is None:
        raise NotFound("No such sample offer in this shop.", code="offer_not_found")
    return offer


def products_without_offer(*, shop_id: int) -> list[Product]:
    """The shop's active products a new offer can be made for."""
    return list(
        Product.objects.filter(shop_id=shop_id, status=Product.Status.ACTIVE)
        .exclude(sample_offers__isnull=False)
        .order_by("title", "pk")
    )


def available_offers(*, viewer, shop_id: int | None = None) -> QuerySet[SampleOffer]:
    """Offers any signed-in person may ask for: active, of an active product in a shop that is
    not suspended, not of the viewer's own shops, with a unit left."""
    offers = SampleOffer.objects.filter(
        is_active=True,
        product__status=Product.Status.ACTIVE,
    ).exclude(shop__status=Shop.Status.SUSPENDED)
    own = catalog_selectors.shop_ids_of(viewer)
    if own:
        offers = offers.exclude(shop_id__in=own)
    if shop_id is not None:
        offers = offers.filter(shop_id=shop_id)
    # `committed` is with_counts' annotation, which the type stubs cannot see.
    return with_counts(offers).filter(committed__lt=F("quantity_limit"))  # type: ignore[misc]


def offers_for_creator(
    *, creator, cursor: str | None, shop_id: int | None = None, size: int = 24
) -> Page[SampleOffer]:
    """A page of available offers, each with `my_request` (the creator's latest request for it,
    or None) and `cover` (the product's first image, or None)."""
    offers = available_offers(viewer=creator, shop_id=shop_id).select_related("product", "shop")
    page = paginate_by_pk(offers, cursor=cursor, size=size)
    ids = [offer.pk for offer in page.items]
    mine: dict[int, SampleRequest] = {}
    for request in SampleRequest.objects.filter(creator=creator, offer_id__in=ids).order_by("pk"):
        mine[request.offer_id] = request  # the latest wins
    covers = catalog_selectors.cover_images(offer.product_id for offer in page.items)
    for offer in page.items:
        offer.my_request = mine.get(offer.pk)  # type: ignore[attr-defined]
        offer.cover = covers.get(offer.product_id)  # type: ignore[attr-defined]
    return page


def available_offer(*, viewer, offer_id: int) -> SampleOffer:
    offer = (
        available_offers(viewer=viewer)
        .filter(pk=offer_id)
        .select_related("product", "shop")
        .first()
    )
    if offer is None:
        raise NotFound("No such sample offer, or none is left.", code="offer_not_found")
    return offer


# --- Requests -------------------------------------------------------------------------------------


def check_status_filter(status: str) -> str:
    if status and status not in S.values:
        raise InvalidInput(
            f"Status is one of: {', '.join(S.values)}.", code="invalid_status", field="status"
        )
    return status


def shop_requests(
    *, shop_id: int, status: str = "", cursor: str | None = None, size: int = 20
) -> Page[SampleRequest]:
    """A page of the shop's requests, newest first, each creator with `followers` and
    `posting` (their PostingRate over every shop, or None before any sample was due)."""
    requests = (
        SampleRequest.objects.filter(offer__shop_id=shop_id)
        .select_related("offer__product", "offer__shop", "creator")
        # The follower count joins accounts' Follow rows through the creator relation: one
        # aggregate for the page instead of a count per creator.
        .annotate(followers=Count("creator__followers", distinct=True))
    )
    if check_status_filter(status):
        requests = requests.filter(status=status)
    page = paginate_by_pk(requests, cursor=cursor, size=size)
    rates = selectors.posting_rates(creator_ids={r.creator_id for r in page.items})
    for request in page.items:
        request.posting = rates.get(request.creator_id)  # type: ignore[attr-defined]
    return page


def shop_request_counts(*, shop_id: int) -> dict[str, int]:
    rows = (
        SampleRequest.objects.filter(offer__shop_id=shop_id)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def requests_of_creator(
    *, creator, status: str = "", cursor: str | None = None, size: int = 20
) -> Page[SampleRequest]:
    requests = SampleRequest.objects.filter(creator=creator).select_related(
        "offer__product", "offer__shop"
    )
    if check_status_filter(status):
        requests = requests.filter(status=status)
    return paginate_by_pk(requests, cursor=cursor, size=size)


def days_left(request: SampleRequest) -> int | None:
    """Whole days until the video is due (0 on the day, negative once late); None when no video
    is due."""
    if request.due_at is None or request.status not in (S.DELIVERED, S.OVERDUE):
        return None
    return (timezone.localdate(request.due_at) - timezone.localdate()).days


def request_of_creator(*, creator, request_id: int) -> SampleRequest:
    """The creator's own request; another creator's is not found."""
    request = (
        SampleRequest.objects.select_related("offer__product", "offer__shop")
        .filter(pk=request_id, creator=creator)
        .first()
    )
    if request is None:
        raise NotFound("No such sample request.", code="sample_request_not_found")
    return request


def request_for_staff(*, user, request_id: int, shop_id: int | None = None) -> SampleRequest:
    """A request of a shop `user` works for (and of `shop_id` when given). Another shop's
    request is not found: its existence is that shop's business."""
    shop_ids = catalog_selectors.shop_ids_of(user)
    if shop_id is not None:
        shop_ids &= {shop_id}
    request = (
        SampleRequest.objects.select_related("offer__product", "offer__shop", "creator")
        .annotate(followers=Count("creator__followers", distinct=True))
        .filter(pk=request_id, offer__shop_id__in=shop_ids)
        .first()
    )
    if request is None:
        raise NotFound("No such sample request in your shops.", code="sample_request_not_found")
    request.posting = selectors.posting_rates(creator_ids=[request.creator_id]).get(  # type: ignore[attr-defined]
        request.creator_id
    )
    return request
