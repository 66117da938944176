"""Feed cards: the part of a feed item that is the same for every viewer (caption, media URLs,
tagged products, label, counts), cached per post for a short time.

Building a card costs about ten queries' worth of ORM work; under load that, not PostgreSQL,
bounded the feed (BENCHMARKS.md). Which posts a viewer gets, and the viewer's own bits (liked,
following, reason, share link), are still computed on every request, so a removed or completed
video never comes back from the cache; a price, stock flag or like count may lag by up to
CARD_TTL_S. The cache is Redis in distributed mode and local memory when embedded."""

from __future__ import annotations

from django.core.cache import cache

from clipcart.api import presenters
from clipcart.feed import selectors as feed_selectors

CARD_TTL_S = 30
VERSION = 1  # bump when the card's shape changes, so old entries are never read


def _key(post_id: int) -> str:
    return f"feed-card:{VERSION}:{post_id}"


def cards(post_ids: list[int]) -> dict[int, dict]:
    """Cards of `post_ids` by id; the ones not cached are built together, in fixed queries."""
    cached = cache.get_many([_key(pk) for pk in post_ids])
    found = {pk: cached[_key(pk)] for pk in post_ids if _key(pk) in cached}
    missing = [pk for pk in post_ids if pk not in found]
    if missing:
        anonymous = feed_selectors.Viewer()
        items = feed_selectors.hydrate(missing, viewer=anonymous, reasons={})
        fresh = {item.post.pk: presenters.feed_card(item) for item in items}
        cache.set_many({_key(pk): card for pk, card in fresh.items()}, timeout=CARD_TTL_S)
        found.update(fresh)
    return found
