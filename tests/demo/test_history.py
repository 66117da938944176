"""The demo's week of viewing, checked on the full-scale plan: viewers have tastes (most of what
they finish is in their niches, and they skip, or say "not interested" to, what is not),
sessions binge one niche and often one creator or hashtag, trends rise and fade, everyone with a
history said yes to personalization first, and the same world gives the same history."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from statistics import median

import pytest

from clipcart.demo import social, videos
from clipcart.demo.videos import NICHE_TAGS
from clipcart.demo.world import DAY, SHOPPER, build_world

SESSION_GAP = 30 * 60  # watches of one viewer closer than this belong to one session


class Week:
    def __init__(self) -> None:
        self.world = build_world(scale=1)
        self.media = videos.plan_media(self.world, scale=1)
        self.plan = social.plan_social(self.world, self.media, scale=1)
        self.niche = [
            self.world.shops[self.world.products[video.product].shop].niche
            for video in self.media.videos
        ]

    def fond(self, watch: social.WatchPlan) -> bool:
        return self.niche[watch.video] in self.plan.tastes[watch.person].niches

    def sessions(self) -> list[list[social.WatchPlan]]:
        """Each viewer's watches, oldest first, cut where they paused for half an hour."""
        sessions: list[list[social.WatchPlan]] = []
        for watch in self.plan.watches:
            last = sessions[-1][-1] if sessions else None
            if last is None or last.person != watch.person or last.ago - watch.ago >= SESSION_GAP:
                sessions.append([])
            sessions[-1].append(watch)
        return sessions


@pytest.fixture(scope="module")
def week() -> Week:
    return Week()


def rate(watches: list[social.WatchPlan], outcome) -> float:
    return sum(1 for watch in watches if outcome(watch)) / len(watches)


def test_most_of_what_a_viewer_finishes_is_in_their_niches(week):
    completions: dict[int, list[bool]] = defaultdict(list)
    for watch in week.plan.watches:
        if watch.completed:
            completions[watch.person].append(week.fond(watch))
    shares = [sum(fond) / len(fond) for fond in completions.values() if len(fond) >= 5]
    assert len(shares) > 500
    assert median(shares) >= 0.9
    everything = [fond for fond_list in completions.values() for fond in fond_list]
    assert sum(everything) / len(everything) > 0.85


def test_viewers_finish_like_share_and_tap_far_more_inside_their_taste(week):
    fond = [w for w in week.plan.watches if week.fond(w)]
    other = [w for w in week.plan.watches if not week.fond(w)]
    assert 0.7 < len(fond) / len(week.plan.watches) < 0.9  # taste leads, the rest is popular
    for outcome in (
        lambda w: w.completed,
        lambda w: w.liked,
        lambda w: w.shared,
        lambda w: w.clicked is not None,
    ):
        assert rate(fond, outcome) > 3 * rate(other, outcome)
    assert rate(other, lambda w: w.quick_skip) > 0.4 > 4 * rate(fond, lambda w: w.quick_skip)


def test_not_interested_is_said_to_quick_skips_outside_the_taste(week):
    said = [w for w in week.plan.watches if w.not_interested]
    assert len(said) > 50
    assert all(w.quick_skip for w in said)
    # `tastes` is the end of the week's: a viewer may since have taken to a niche they skipped.
    assert rate(said, lambda w: not week.fond(w)) > 0.9


def test_a_session_binges_one_niche_and_often_one_creator_or_hashtag(week):
    pairs = [(first, second) for session in week.sessions() for first, second in pairwise(session)]
    assert len(pairs) > 10_000
    same_niche = [(a, b) for a, b in pairs if week.niche[a.video] == week.niche[b.video]]
    # Ten niches: by chance about one pair in ten would share one.
    assert len(same_niche) / len(pairs) > 0.6
    clips = week.media.videos

    def related(a: social.WatchPlan, b: social.WatchPlan) -> bool:
        own = NICHE_TAGS[week.niche[a.video]][0]
        shared_tags = set(clips[a.video].tags) & set(clips[b.video].tags) - {own}
        return clips[a.video].creator == clips[b.video].creator or bool(shared_tags)

    assert sum(related(a, b) for a, b in same_niche) / len(same_niche) > 0.6
    dominant = [
        Counter(week.niche[w.video] for w in session).most_common(1)[0][1] / len(session)
        for session in week.sessions()
        if len(session) >= 6
    ]
    assert median(dominant) >= 0.7


def test_the_shopper_watches_their_three_interests_and_finished_some_in_the_last_hour(week):
    taste = week.plan.tastes[SHOPPER]
    assert set(social.SHOPPER_INTERESTS) <= set(taste.niches)
    recent = [w for w in week.plan.watches if w.person == SHOPPER and w.ago < 3600]
    assert any(w.completed for w in recent)


def test_everyone_with_a_history_said_yes_to_personalization_before_it_began(week):
    first_watch: dict[int, int] = {}
    for watch in week.plan.watches:
        first_watch[watch.person] = max(first_watch.get(watch.person, 0), watch.ago)
    consents = {consent.person: consent.ago for consent in week.plan.consents}
    assert set(consents) == set(first_watch)
    assert SHOPPER in consents
    for person, ago in consents.items():
        assert first_watch[person] < ago < week.world.people[person].joined_ago


def test_the_same_world_gives_the_same_history(week):
    again = social.plan_social(week.world, week.media, scale=1)
    assert again == week.plan


def test_new_videos_are_watched_most_on_their_first_day_out(week):
    """Recency matters: a video published within the week gets more views on its first day
    out than on an average day after it."""
    first_day: Counter[int] = Counter()
    later: Counter[int] = Counter()
    for watch in week.plan.watches:
        age = week.media.videos[watch.video].published_ago - watch.ago
        if week.media.videos[watch.video].published_ago < social.HISTORY_DAYS * DAY:
            (first_day if age < DAY else later)[watch.video] += 1
    young = [v for v in first_day if week.media.videos[v].published_ago > 3 * DAY]
    assert len(young) > 10
    # Per day out: the first day against the average of the days after it.
    ratios = [
        first_day[v] / (later[v] / ((week.media.videos[v].published_ago - DAY) / DAY))
        for v in young
        if later[v]
    ]
    assert median(ratios) > 1.2
