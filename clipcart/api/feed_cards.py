"""Feed cards: the part of a feed item that is the same for every viewer (caption, media URLs,
tagged products, label, counts), cached per post.

Building a card costs about ten queries' worth of ORM work; under load that, not PostgreSQL,
bounded the feed (BENCHMARKS.md). Which posts a viewer gets, and the viewer's own bits (liked,
following, reason, share link), are still computed on every request, so a removed or completed
video never comes back from the cache.

A card is rebuilt once it is CARD_TTL_S old, by one page at a time: the others meanwhile show
the card they found, which is kept up to KEEP_S. Before, all the cards of a busy page expired
together and every page that missed them rebuilt them at once (a stampede, the feed's p99). So
a price, stock flag or like count may lag by CARD_TTL_S, rarely up to KEEP_S. The cache is Redis
in distributed mode and local memory when embedded."""

from __future__ import annotations

import time

from django.core.cache import cache

from clipcart.api import presenters
from clipcart.feed import selectors as feed_selectors

CARD_TTL_S = 30
KEEP_S = 90
REFRESHING_KEY = "feed-cards:refreshing"
REFRESH_LOCK_S = 10  # a refresher that died frees the others after this long
VERSION = 2  # bump when the card's shape changes, so old entries are never read


def _key(post_id: int) -> str:
    return f"feed-card:{VERSION}:{post_id}"


def cards(post_ids: list[int]) -> dict[int, dict]:
    """Cards of `post_ids` by id; the ones not cached are built together, in fixed queries, and
    the stale ones with them when no other page is refreshing cards."""
    cached = cache.get_many([_key(pk) for pk in post_ids])
    entries = {pk: cached[_key(pk)] for pk in post_ids if _key(pk) in cached}
    missing = [pk for pk in post_ids if pk not in entries]
    oldest = time.time() - CARD_TTL_S
    stale = [pk for pk, (built_at, _) in entries.items() if built_at < oldest]
    refreshing = bool(stale) and cache.add(REFRESHING_KEY, 1, timeout=REFRESH_LOCK_S)
    found = {pk: card for pk, (_, card) in entries.items()}
    if rebuild := missing + (stale if refreshing else []):
        found.update(_build(rebuild))
    if refreshing:
        cache.delete(REFRESHING_KEY)
    return found


def _build(post_ids: list[int]) -> dict[int, dict]:
    anonymous = feed_selectors.Viewer()
    items = feed_selectors.hydrate(post_ids, viewer=anonymous, reasons={})
    fresh = {item.post.pk: presenters.feed_card(item) for item in items}
    built_at = time.time()
    cache.set_many({_key(pk): (built_at, card) for pk, card in fresh.items()}, timeout=KEEP_S)
    return fresh
