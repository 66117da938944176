"""Touches: anchor clicks and completed views in videos, storefront clicks, share-link visits
and clicks out to external stores. Attribution at purchase picks the last one in its window.

A flood of clicks from one client counts once per de-duplication window (one row per window,
its `hits` counting the rest), and past a per-minute budget further touches are refused."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from clipcart.core import ratelimit
from clipcart.core.errors import RateLimited

from .. import selectors
from ..models import Touch

K = Touch.Kind


def window_of(at: datetime) -> int:
    return int(at.timestamp() // (settings.CLIPCART_AFFILIATE_CLICK_DEDUPE_MINUTES * 60))


def _spend_budget(actor: str) -> None:
    ratelimit.spend(
        f"touch:{actor}",
        limit=settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE,
        period_s=60,
        message="Too many clicks; slow down.",
    )


def record_touch(
    *,
    actor: str,
    creator_id: int,
    product_id: int,
    kind: str,
    post_id: int | None = None,
    at: datetime | None = None,
) -> Touch | None:
    """Counts one touch, once per window. A creator's own clicks are not touches (a creator
    buying through their own link earns nothing). Raises RateLimited past the budget."""
    if actor == f"u:{creator_id}":
        return None
    _spend_budget(actor)
    at = at or timezone.now()
    key = dict(
        actor=actor,
        creator_id=creator_id,
        product_id=product_id,
        kind=kind,
        post_id=post_id or 0,
        window=window_of(at),
    )
    if _count_again(key, at):
        return Touch.objects.filter(**key).first()
    try:
        with transaction.atomic():
            return Touch.objects.create(**key, first_at=at, last_at=at)
    except IntegrityError:  # the same click, racing: it counts once
        _count_again(key, at)
        return Touch.objects.filter(**key).first()


def _count_again(key: dict, at: datetime) -> bool:
    return bool(
        Touch.objects.filter(**key).update(hits=F("hits") + 1, last_at=Greatest("last_at", at))
    )


def touch_from_ref(
    *, actor: str, ref: str, product_ids: Iterable[int], kind: str, post_id: int | None = None
) -> int:
    """Touches of the creator whose share code is `ref`, for those of `product_ids` they earn
    commission on. Returns how many were recorded; an unknown code records nothing."""
    from clipcart.accounts import selectors as account_selectors

    creator = account_selectors.user_by_ref_code(ref) if ref else None
    if creator is None:
        return 0
    earning = selectors.earning_product_ids(creator_id=creator.pk, product_ids=product_ids)
    for product_id in sorted(earning):
        record_touch(
            actor=actor, creator_id=creator.pk, product_id=product_id, kind=kind, post_id=post_id
        )
    return len(earning)


def record_event_touches(*, actor: str, events: list) -> int:
    """Touches in a batch of feed events: an `anchor_click` on a commission-earning anchor, and a
    `complete` view of a video with such anchors (one touch per product). Past the budget the
    rest of the batch is dropped, not refused: the events themselves are still stored."""
    from clipcart.media import selectors as media_selectors

    wanted = [e for e in events if e.type in ("anchor_click", "complete") and e.video_id]
    if not wanted:
        return 0
    anchors = media_selectors.commission_anchors({e.video_id for e in wanted})
    recorded = 0
    with contextlib.suppress(RateLimited):  # past the budget the rest of the batch is dropped
        for event in wanted:
            creator_id, product_ids = anchors.get(event.video_id, (0, set()))
            if event.type == "anchor_click":
                product_ids = {event.product_id} & product_ids
            kind = K.ANCHOR_CLICK if event.type == "anchor_click" else K.VIEW_COMPLETE
            for product_id in sorted(product_ids):
                touch = record_touch(
                    actor=actor,
                    creator_id=creator_id,
                    product_id=product_id,
                    kind=kind,
                    post_id=event.video_id,
                    at=event.ts,
                )
                recorded += touch is not None
    return recorded


def earning_creator(*, product_id: int, ref: str = "", post_id: int | None = None) -> int | None:
    """Who a click on `product_id` would earn for: the creator of video `post_id` if its anchor
    of the product earns commission, else the owner of share code `ref` if they earn on it."""
    from clipcart.accounts import selectors as account_selectors
    from clipcart.media import selectors as media_selectors

    if post_id is not None:
        anchors = media_selectors.commission_anchors([post_id])
        creator_id, product_ids = anchors.get(post_id, (0, set()))
        return creator_id if product_id in product_ids else None
    creator = account_selectors.user_by_ref_code(ref) if ref else None
    if creator is None:
        return None
    earns = selectors.earning_product_ids(creator_id=creator.pk, product_ids=[product_id])
    return creator.pk if earns else None


def record_anchor_click(*, actor: str, post_id: int, product_id: int) -> Touch | None:
    """A tap on a product anchor that the server sees itself (the feed's product sheet opening
    for that video). A shopper who taps and buys at once is credited even before the page's
    batched events arrive; the beacon's copy of the same tap counts in the same window row."""
    creator_id = earning_creator(product_id=product_id, post_id=post_id)
    if creator_id is None:
        return None
    return record_touch(
        actor=actor,
        creator_id=creator_id,
        product_id=product_id,
        kind=K.ANCHOR_CLICK,
        post_id=post_id,
    )


def adopt_visitor_touches(*, session_key: str, user) -> None:
    """At sign-in, the anonymous visitor's touches become the user's, so a shopper who tapped
    an anchor and then signed in to buy is still attributed. Their own touches are dropped."""
    visitor, member = f"s:{session_key}", f"u:{user.pk}"
    Touch.objects.filter(actor=visitor, creator_id=user.pk).delete()
    for touch in Touch.objects.filter(actor=visitor):
        try:
            with transaction.atomic():
                Touch.objects.filter(pk=touch.pk).update(actor=member)
        except IntegrityError:  # the user touched the same thing in the same window
            touch.delete()
