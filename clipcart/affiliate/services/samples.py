"""Writes of free samples: a seller's offer, a creator's request, the seller's decision, the
shipment, the delivery, and the video the creator owes for it.

    requested → approved → shipped → delivered → posted | overdue; or declined / cancelled.

A unit counts against the offer's `quantity_limit` from approval on (see
`sample_posts.COMMITTED`); approvals are counted under the offer's row lock, so two staff
approving at once cannot give away more than the limit. A delivered sample is due a post tagging
its product within CLIPCART_SAMPLE_POST_DAYS, extendable once by CLIPCART_SAMPLE_EXTENSION_DAYS.

State changes are conditional UPDATEs (`WHERE status = <expected>`): a second click, a retry or
a race changes nothing and answers 409. Notifications are rows written in the same transaction as
the change they announce, so one is never sent for a change that rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, Shop
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.core.text import clean_text
from clipcart.orders import services as order_services

from .. import locks, sample_posts, selectors
from ..models import SampleOffer, SampleRequest

S = SampleRequest.Status
VIA = SampleRequest.DeliveredVia

MIN_QUANTITY_LIMIT = 1
MAX_QUANTITY_LIMIT = 1000  # the model's check constraint holds the same range

# Request limits from the posting rate. A sample is given in exchange for a video, so a creator
# who let at least half of their due samples lapse may hold one open request at a time — but
# only once at least 2 samples were due, so one missed video on a first sample does not mark a
# newcomer. Everyone else may hold up to 5 open requests, so nobody hoards a shop's offers.
LOW_POSTING_RATE = 0.5
MIN_DUE_FOR_A_RATE = 2
OPEN_REQUESTS_IF_LOW_RATE = 1
OPEN_REQUESTS_MAX = 5

# A shipped sample nobody confirmed is taken as delivered this long after shipping: carriers
# deliver within days, and a creator must not escape the posting duty by never confirming.
# The due date then counts from the moment it is assumed, never from an earlier guess.
ASSUMED_DELIVERED_AFTER = timedelta(days=10)
# Creators are reminded this long before their video is due, once per due date.
REMIND_BEFORE_DUE = timedelta(days=2)

# What a conditional update may have changed; reloaded without dropping the cached offer.
REFRESHED = ["status", "due_at", "extended", "reminded_at", "updated_at"]

SELLER_URL = "/seller/{shop_id}/samples/"
CREATOR_URL = "/studio/samples/"


# --- Input ----------------------------------------------------------------------------------------


def parse_quantity_limit(value: object) -> int:
    message = (
        f"The quantity limit is a whole number from {MIN_QUANTITY_LIMIT} to {MAX_QUANTITY_LIMIT}."
    )
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(message, field="quantity_limit")
    if not MIN_QUANTITY_LIMIT <= value <= MAX_QUANTITY_LIMIT:
        raise InvalidInput(message, field="quantity_limit")
    return value


def _as_id(value: object, *, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive integer.", field=field)
    return value


def _note(value: object) -> str:
    return clean_text(value or "", field="note", max_length=300, required=False)


# --- Notifications --------------------------------------------------------------------------------


def _notify_staff(offer: SampleOffer, *, kind: str, message: str) -> None:
    staff = get_user_model().objects.filter(
        pk__in=catalog_selectors.staff_ids(shop_id=offer.shop_id)
    )
    url = SELLER_URL.format(shop_id=offer.shop_id)
    for member in staff:
        account_services.notify(user=member, kind=kind, message=message, url=url)


def _notify_creator(request: SampleRequest, *, kind: str, message: str) -> None:
    account_services.notify(user=request.creator, kind=kind, message=message, url=CREATOR_URL)


def _day(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%b %-d") if at else ""


# --- Offers (seller) ------------------------------------------------------------------------------


def create_offer(
    *, user, shop_id: int, product_id: object, quantity_limit: object, note: object = ""
) -> SampleOffer:
    """A new offer of free units of one of the shop's active products. A product has one offer:
    a second is a 409 (raise the first one's limit instead)."""
    shop = catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    limit = parse_quantity_limit(quantity_limit)
    text = _note(note)
    product = Product.objects.filter(
        pk=_as_id(product_id, field="product_id"), shop=shop, status=Product.Status.ACTIVE
    ).first()
    if product is None:
        raise NotFound("No such active product in this shop.", code="product_not_found")
    try:
        with transaction.atomic():
            return SampleOffer.objects.create(
                shop=shop, product=product, quantity_limit=limit, note=text
            )
    except IntegrityError:
        raise Conflict(
            "This product already has a sample offer; change its limit instead.",
            code="offer_exists",
            field="product_id",
        ) from None


def update_offer(
    *,
    user,
    shop_id: int,
    offer_id: int,
    quantity_limit: object = None,
    is_active: object = None,
    note: object = None,
) -> SampleOffer:
    """Pauses or resumes an offer, or changes its limit or note. The limit never goes below the
    units already approved or sent: the offer's lock keeps an approval from slipping in."""
    catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    limit = None if quantity_limit in (None, "") else parse_quantity_limit(quantity_limit)
    if is_active is not None and not isinstance(is_active, bool):
        raise InvalidInput("is_active is true or false.", field="is_active")
    with transaction.atomic():
        offer = locks.lock_sample_offer(offer_id=offer_id)
        if offer is None or offer.shop_id != shop_id:
            raise NotFound("No such sample offer in this shop.", code="offer_not_found")
        if limit is not None:
            committed = sample_posts.committed_count(offer_id=offer.pk)
            if limit < committed:
                raise Conflict(
                    f"{committed} samples are already approved or sent; the limit cannot go "
                    "below that.",
                    code="limit_below_committed",
                    field="quantity_limit",
                )
            offer.quantity_limit = limit
        if is_active is not None:
            offer.is_active = is_active
        if note is not None:
            offer.note = _note(note)
        offer.save()
    return offer


# --- Requests (creator) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """How many requests a creator may have open at once, and why."""

    limit: int
    open: int
    rate: selectors.PostingRate | None

    @property
    def is_reduced(self) -> bool:
        return self.limit < OPEN_REQUESTS_MAX


def allowance(*, creator_id: int) -> Allowance:
    """The posting-rate rule above applied to a creator; the studio page shows it too."""
    rate = selectors.posting_rates(creator_ids=[creator_id]).get(creator_id)
    low = (
        rate is not None and rate.due >= MIN_DUE_FOR_A_RATE and (rate.rate or 0) < LOW_POSTING_RATE
    )
    open_count = SampleRequest.objects.filter(
        creator_id=creator_id, status__in=sample_posts.OPEN
    ).count()
    limit = OPEN_REQUESTS_IF_LOW_RATE if low else OPEN_REQUESTS_MAX
    return Allowance(limit=limit, open=open_count, rate=rate)


def _check_allowance(*, creator, shop: Shop) -> None:
    if SampleRequest.objects.filter(creator=creator, offer__shop=shop, status=S.OVERDUE).exists():
        raise Conflict(
            f"A video for a sample from {shop.name} is overdue. Post it, then press "
            "“I posted it”, before you ask this shop for another sample.",
            code="sample_overdue",
        )
    mine = allowance(creator_id=creator.pk)
    if mine.open >= mine.limit:
        why = (
            " because fewer than half of your samples were posted about on time"
            if mine.is_reduced
            else ""
        )
        raise Conflict(
            f"You may have {mine.limit} open sample request(s) at a time{why}. "
            "Post about the samples you have first.",
            code="open_request_limit",
        )


def _requestable_offer(*, creator, offer_id: int) -> SampleOffer:
    offer = (
        SampleOffer.objects.select_related("product", "shop")
        .filter(pk=offer_id, is_active=True, product__status=Product.Status.ACTIVE)
        .exclude(shop__status=Shop.Status.SUSPENDED)
        .first()
    )
    if offer is None:
        raise NotFound("No such sample offer.", code="offer_not_found")
    if offer.shop_id in catalog_selectors.shop_ids_of(creator):
        raise Conflict("You cannot request samples from your own shop.", code="own_shop")
    if sample_posts.committed_count(offer_id=offer.pk) >= offer.quantity_limit:
        raise Conflict("All samples of this offer are spoken for.", code="samples_exhausted")
    return offer


def _check_not_asked_before(*, creator, offer: SampleOffer) -> None:
    """One sample per creator per offer: a declined request stays declined, a cancelled one may
    be made again."""
    earlier = (
        SampleRequest.objects.filter(creator=creator, offer=offer)
        .exclude(status=S.CANCELLED)
        .first()
    )
    if earlier is not None:
        raise Conflict(
            f"You already asked for this sample ({earlier.get_status_display().lower()}).",
            code="already_requested",
        )


def request_sample(
    *, creator, offer_id: int, message: object = "", shipping_address: object
) -> SampleRequest:
    """Asks for a unit of an active offer. Refused with a 409 when none is left, when the creator
    asked for it before (unless they cancelled), owes an overdue video to this shop, or holds as
    many open requests as their posting rate allows. The open-request count is not taken under a
    lock: a creator racing two requests at once may hold one more than allowed until they post,
    which costs a seller nothing, as every request still needs their approval."""
    address = checkout_services.check_address(shipping_address)
    text = clean_text(message or "", field="message", max_length=500, required=False)
    offer = _requestable_offer(creator=creator, offer_id=offer_id)
    _check_not_asked_before(creator=creator, offer=offer)
    _check_allowance(creator=creator, shop=offer.shop)
    try:
        with transaction.atomic():
            request = SampleRequest.objects.create(
                offer=offer, creator=creator, message=text, shipping_address=address
            )
            _notify_staff(
                offer,
                kind="sample_requested",
                message=f"@{creator.handle} asked for a sample of {offer.product.title}.",
            )
    except IntegrityError:  # the same request sent twice at once
        raise Conflict("You already asked for this sample.", code="already_requested") from None
    return request


def _move(request: SampleRequest, *, from_: tuple[str, ...], to: str, **fields) -> bool:
    """Moves the request to `to` if it is still in one of `from_`; False if someone else moved
    it first. The caller runs it in its transaction."""
    fields = {"status": to, "updated_at": timezone.now(), **fields}
    moved = SampleRequest.objects.filter(pk=request.pk, status__in=from_).update(**fields)
    if moved:
        for name, value in fields.items():
            setattr(request, name, value)
    return bool(moved)


def cancel_request(*, creator, request_id: int) -> SampleRequest:
    """The creator withdraws a request that has not shipped; an approved unit is freed."""
    request = sample_posts.request_of_creator(creator=creator, request_id=request_id)
    with transaction.atomic():
        if not _move(request, from_=(S.REQUESTED, S.APPROVED), to=S.CANCELLED):
            raise Conflict(
                "Only a request that has not shipped can be cancelled.", code="not_cancellable"
            )
        _notify_staff(
            request.offer,
            kind="sample_cancelled",
            message=f"@{creator.handle} cancelled their request for {request.offer.product.title}.",
        )
    return request


def confirm_delivery(*, creator, request_id: int) -> SampleRequest:
    request = sample_posts.request_of_creator(creator=creator, request_id=request_id)
    return _deliver(request, via=VIA.CREATOR, at=timezone.now())


def extend_deadline(*, creator, request_id: int) -> SampleRequest:
    """Moves the due date once by CLIPCART_SAMPLE_EXTENSION_DAYS, while it has not passed. The
    reminder is sent again for the new date."""
    request = sample_posts.request_of_creator(creator=creator, request_id=request_id)
    now = timezone.now()
    days = settings.CLIPCART_SAMPLE_EXTENSION_DAYS
    with transaction.atomic():
        moved = SampleRequest.objects.filter(
            pk=request.pk, status=S.DELIVERED, extended=False, due_at__gt=now
        ).update(
            due_at=F("due_at") + timedelta(days=days),
            extended=True,
            reminded_at=None,
            updated_at=now,
        )
        if not moved:
            _refuse_extension(request, now=now)
        request.refresh_from_db(fields=REFRESHED)
        _notify_staff(
            request.offer,
            kind="sample_extended",
            message=(
                f"@{creator.handle} took {days} more days for their video of "
                f"{request.offer.product.title}: due {_day(request.due_at)}."
            ),
        )
    return request


def _refuse_extension(request: SampleRequest, *, now: datetime) -> None:
    request.refresh_from_db(fields=REFRESHED)
    if request.status != S.DELIVERED:
        raise Conflict(
            "Only a delivered sample whose video is due can be extended.", code="not_delivered"
        )
    if request.extended:
        raise Conflict("The due date was already extended once.", code="already_extended")
    raise Conflict("The due date has passed.", code="past_due")


def check_posted(*, creator, request_id: int) -> SampleRequest:
    """ "I posted it": marks the sample posted when a live post of the creator tags its product
    and was published after delivery. An overdue sample posted late counts as posted."""
    request = sample_posts.request_of_creator(creator=creator, request_id=request_id)
    if request.status not in (S.DELIVERED, S.OVERDUE):
        raise Conflict("This sample has no video due.", code="not_delivered")
    assert request.delivered_at is not None  # delivered and overdue rows have it
    found = sample_posts.first_post(
        creator_id=creator.pk, product_id=request.offer.product_id, after=request.delivered_at
    )
    if found is None:
        raise Conflict(
            f"No live post of yours tags {request.offer.product.title} since the sample arrived "
            f"on {_day(request.delivered_at)}. Tag it in a video or photo post, then try again.",
            code="no_post_found",
        )
    with transaction.atomic():
        if not _mark_posted(request, found):
            raise Conflict("This sample has no video due.", code="not_delivered")
    return request


def _mark_posted(request: SampleRequest, found: sample_posts.FoundPost) -> bool:
    if not _move(
        request,
        from_=(S.DELIVERED, S.OVERDUE),
        to=S.POSTED,
        posted_at=found.published_at,
        post_id=found.post_id,
    ):
        return False
    _notify_staff(
        request.offer,
        kind="sample_posted",
        message=f"@{request.creator.handle} posted about {request.offer.product.title}.",
    )
    return True


# --- Decisions and shipping (seller) ----------------------------------------------------------


def decide_request(
    *, user, request_id: int, approve: bool, note: object = "", shop_id: int | None = None
) -> SampleRequest:
    """Approves (a unit is committed, if one is left) or declines a request. A request of a shop
    the user does not work for is not found."""
    request = sample_posts.request_for_staff(user=user, request_id=request_id, shop_id=shop_id)
    text = _note(note)
    with transaction.atomic():
        if approve:
            _commit_unit(request.offer_id)
        to = S.APPROVED if approve else S.DECLINED
        if not _move(
            request, from_=(S.REQUESTED,), to=to, decided_at=timezone.now(), decision_note=text
        ):
            raise Conflict("This request was already decided.", code="already_decided")
        verb = "approved" if approve else "declined"
        reason = f" “{text}”" if text else ""
        _notify_creator(
            request,
            kind="sample_decided",
            message=(
                f"{request.offer.shop.name} {verb} your request for a sample of "
                f"{request.offer.product.title}.{reason}"
            ),
        )
    return request


def _commit_unit(offer_id: int) -> None:
    """Precondition: in a transaction. Holds the offer's lock until it commits, so concurrent
    approvals are counted one after another and never exceed the limit."""
    offer = locks.lock_sample_offer(offer_id=offer_id)
    assert offer is not None  # offers are never deleted (PROTECT)
    if sample_posts.committed_count(offer_id=offer_id) >= offer.quantity_limit:
        raise Conflict(
            f"All {offer.quantity_limit} samples of this offer are approved already. Raise the "
            "limit to approve more.",
            code="samples_exhausted",
        )


def ship_sample(
    *, user, request_id: int, carrier: str, tracking_number: str, shop_id: int | None = None
) -> SampleRequest:
    carrier, tracking_number = order_services.check_shipment(
        carrier=carrier, tracking_number=tracking_number
    )
    request = sample_posts.request_for_staff(user=user, request_id=request_id, shop_id=shop_id)
    with transaction.atomic():
        moved = _move(
            request,
            from_=(S.APPROVED,),
            to=S.SHIPPED,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=timezone.now(),
        )
        if not moved:
            raise Conflict("Only an approved request can be shipped.", code="not_approved")
        _notify_creator(
            request,
            kind="sample_shipped",
            message=(
                f"Your sample of {request.offer.product.title} is on its way with {carrier} "
                f"({tracking_number})."
            ),
        )
    return request


def mark_delivered(*, user, request_id: int, shop_id: int | None = None) -> SampleRequest:
    """Delivery confirmed by the creator who asked, or by the shop's staff."""
    own = SampleRequest.objects.filter(pk=request_id, creator=user).exists()
    if own and shop_id is None:
        return confirm_delivery(creator=user, request_id=request_id)
    request = sample_posts.request_for_staff(user=user, request_id=request_id, shop_id=shop_id)
    return _deliver(request, via=VIA.SELLER, at=timezone.now())


def _deliver(request: SampleRequest, *, via: str, at: datetime) -> SampleRequest:
    due = at + timedelta(days=settings.CLIPCART_SAMPLE_POST_DAYS)
    with transaction.atomic():
        moved = _move(
            request,
            from_=(S.SHIPPED,),
            to=S.DELIVERED,
            delivered_at=at,
            delivered_via=via,
            due_at=due,
        )
        if not moved:
            raise Conflict("Only a shipped sample can be marked delivered.", code="not_shipped")
        product = request.offer.product.title
        if via != VIA.CREATOR:
            _notify_creator(
                request,
                kind="sample_delivered",
                message=f"Your sample of {product} arrived: post about it by {_day(due)}.",
            )
        if via != VIA.SELLER:
            _notify_staff(
                request.offer,
                kind="sample_delivered",
                message=f"@{request.creator.handle}'s sample of {product} arrived.",
            )
    return request


# --- The periodic sweep ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    delivered: int = 0
    posted: int = 0
    overdue: int = 0
    reminded: int = 0


def sweep_samples(*, limit: int = 500) -> Sweep:
    """Beat: assumes delivery of samples shipped long ago, records posts found for delivered
    samples, marks the rest overdue once their due date passed, and reminds creators whose video
    is due soon. Each step is a conditional update, so overlapping sweeps do each thing once."""
    now = timezone.now()
    return Sweep(
        delivered=_assume_delivered(now=now, limit=limit),
        posted=_find_posts(limit=limit),
        overdue=_mark_overdue(now=now, limit=limit),
        reminded=_remind(now=now, limit=limit),
    )


def _sweep_rows(*, limit: int, **filters) -> list[SampleRequest]:
    return list(
        SampleRequest.objects.select_related("offer__product", "offer__shop", "creator")
        .filter(**filters)
        .order_by("pk")[:limit]
    )


def _assume_delivered(*, now: datetime, limit: int) -> int:
    cutoff = now - ASSUMED_DELIVERED_AFTER
    done = 0
    for request in _sweep_rows(limit=limit, status=S.SHIPPED, shipped_at__lte=cutoff):
        try:
            _deliver(request, via=VIA.AUTOMATIC, at=now)
            done += 1
        except Conflict:  # confirmed by a person meanwhile
            pass
    return done


def _find_posts(*, limit: int) -> int:
    delivered = _sweep_rows(limit=limit, status=S.DELIVERED)
    wishes = {
        request.pk: sample_posts.PostWanted(
            creator_id=request.creator_id,
            product_id=request.offer.product_id,
            after=request.delivered_at,  # type: ignore[arg-type]
        )
        for request in delivered
    }
    found = sample_posts.first_posts(wishes.values())
    done = 0
    for request in delivered:
        post = found.get(wishes[request.pk])
        if post is not None:
            with transaction.atomic():
                done += _mark_posted(request, post)
    return done


def _mark_overdue(*, now: datetime, limit: int) -> int:
    done = 0
    for request in _sweep_rows(limit=limit, status=S.DELIVERED, due_at__lte=now):
        with transaction.atomic():
            if not _move(request, from_=(S.DELIVERED,), to=S.OVERDUE):
                continue
            product = request.offer.product.title
            _notify_creator(
                request,
                kind="sample_overdue",
                message=(
                    f"Your video of the {product} sample is overdue. Until you post it, "
                    f"{request.offer.shop.name} cannot send you more samples."
                ),
            )
            _notify_staff(
                request.offer,
                kind="sample_overdue",
                message=f"@{request.creator.handle}'s video of the {product} sample is overdue.",
            )
            done += 1
    return done


def _remind(*, now: datetime, limit: int) -> int:
    soon = _sweep_rows(
        limit=limit,
        status=S.DELIVERED,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + REMIND_BEFORE_DUE,
    )
    done = 0
    for request in soon:
        with transaction.atomic():
            claimed = SampleRequest.objects.filter(
                pk=request.pk, reminded_at__isnull=True, due_at=request.due_at
            ).update(reminded_at=now)
            if claimed:
                _notify_creator(
                    request,
                    kind="sample_due_soon",
                    message=(
                        f"Your video of the {request.offer.product.title} sample is due "
                        f"{_day(request.due_at)}. Tag the product in a post, then press "
                        "“I posted it”."
                    ),
                )
                done += 1
    return done
