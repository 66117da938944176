"""Feed cards are cached per post and refreshed by one page at a time once they are old."""

import pytest
from django.core.cache import cache

from clipcart.api import feed_cards
from clipcart.media.models import Post
from tests.factories import make_post


@pytest.fixture
def builds(monkeypatch):
    """The post ids of each card build."""
    calls: list[list[int]] = []
    build = feed_cards._build

    def counted(post_ids):
        calls.append(sorted(post_ids))
        return build(post_ids)

    monkeypatch.setattr(feed_cards, "_build", counted)
    return calls


@pytest.fixture
def posts(creator):
    cache.clear()
    return [make_post(creator=creator, caption=f"Find {n} #cleantok") for n in range(3)]


def ids(posts):
    return [post.pk for post in posts]


def test_a_card_is_built_once_then_read_from_the_cache(posts, builds, clock):
    first = feed_cards.cards(ids(posts))
    again = feed_cards.cards(ids(posts))
    assert builds == [sorted(ids(posts))]
    assert again == first
    assert first[posts[0].pk]["caption"] == "Find 0 #cleantok"


def test_only_the_missing_cards_are_built(posts, builds, clock):
    feed_cards.cards(ids(posts[:2]))
    feed_cards.cards(ids(posts))
    assert builds == [sorted(ids(posts[:2])), [posts[2].pk]]


def test_an_old_card_is_rebuilt_by_the_next_page(posts, builds, clock):
    feed_cards.cards(ids(posts))
    Post.objects.filter(pk=posts[0].pk).update(caption="Edited #cleantok")
    clock[0] += feed_cards.CARD_TTL_S + 1
    fresh = feed_cards.cards(ids(posts))
    assert builds[-1] == sorted(ids(posts))
    assert fresh[posts[0].pk]["caption"] == "Edited #cleantok"
    assert cache.get(feed_cards.REFRESHING_KEY) is None  # released for the next refresh


def test_while_another_page_refreshes_the_old_card_is_shown(posts, builds, clock):
    feed_cards.cards(ids(posts))
    Post.objects.filter(pk=posts[0].pk).update(caption="Edited #cleantok")
    clock[0] += feed_cards.CARD_TTL_S + 1
    cache.add(feed_cards.REFRESHING_KEY, 1)  # another page is refreshing cards
    shown = feed_cards.cards(ids(posts))
    assert len(builds) == 1
    assert shown[posts[0].pk]["caption"] == "Find 0 #cleantok"


def test_a_missing_card_is_built_even_while_another_page_refreshes(posts, builds, clock):
    cache.add(feed_cards.REFRESHING_KEY, 1)
    shown = feed_cards.cards(ids(posts))
    assert builds == [sorted(ids(posts))]
    assert set(shown) == set(ids(posts))
