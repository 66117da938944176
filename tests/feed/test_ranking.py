"""The For You score: smoothed rates, a recency half-life, and a reason taken from its largest
term; pages avoid two videos in a row by one creator."""

from datetime import UTC, datetime, timedelta

from clipcart.feed.ranking import Candidate, rank, spread_creators, top_factor

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def candidate(post_id: int, *, creator: int = 1, hours: float = 48, **counts) -> Candidate:
    fields = {"views": 0, "completions": 0, "likes": 0, "comments": 0, "shares": 0, **counts}
    return Candidate(post_id, creator, NOW - timedelta(hours=hours), **fields)


def test_two_lucky_views_do_not_beat_a_proven_video():
    lucky = candidate(1, views=2, completions=2, likes=2)
    proven = candidate(2, views=2000, completions=1500, likes=400)

    assert [s.candidate.post_id for s in rank([lucky, proven], now=NOW, followed=frozenset())] == [
        2,
        1,
    ]


def test_a_fresh_video_is_ranked_for_being_new_and_says_so():
    fresh, old = candidate(1, hours=1), candidate(2, hours=24 * 5)

    ranked = rank([old, fresh], now=NOW, followed=frozenset())

    assert ranked[0].candidate.post_id == 1
    assert top_factor(fresh, now=NOW, followed=frozenset()) == "recency"


def test_following_the_creator_lifts_a_video_but_engagement_can_still_win():
    followed = candidate(1, creator=7, views=100, completions=20)
    loved = candidate(2, creator=8, views=100, completions=90, shares=30)

    ranked = rank([followed, loved], now=NOW, followed=frozenset({7}))

    assert [s.candidate.post_id for s in ranked] == [2, 1]
    assert top_factor(candidate(3, creator=7), now=NOW, followed=frozenset({7})) == "follow"


def test_equal_scores_are_ordered_by_newest_post_so_pages_are_stable():
    ranked = rank([candidate(1), candidate(3), candidate(2)], now=NOW, followed=frozenset())

    assert [s.candidate.post_id for s in ranked] == [3, 2, 1]


def test_a_page_avoids_two_videos_in_a_row_by_one_creator():
    page = rank(
        [candidate(n, creator=1 if n < 4 else 2, views=10, completions=10 - n) for n in range(6)],
        now=NOW,
        followed=frozenset(),
    )

    creators = [s.candidate.creator_id for s in spread_creators(page)]

    assert creators == [1, 2, 1, 2, 1, 1]  # only the tail repeats: nobody else is left
