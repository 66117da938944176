"""Fixtures of the feed's tests: a shopper who chose a personalized feed, and a feed without
the shoppable cap (for tests about something else than the balance of commerce)."""

import pytest
from django.core.cache import cache

from clipcart.feed.models import RankingPolicy


@pytest.fixture
def personalized(shopper):
    shopper.personalization = True
    shopper.save(update_fields=["personalization"])
    return shopper


@pytest.fixture
def uncapped_shopping(db):
    RankingPolicy.objects.update_or_create(pk=1, defaults={"plain_min": 0})
    cache.clear()
