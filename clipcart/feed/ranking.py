"""The For You score: simple, honest and explainable, until the recommender replaces it.

score = recency + completion rate + engagement rate + follows, each weighted below. Rates are
smoothed with a small prior so a video with 2 views and 2 completions does not outrank one with
2,000 views and 1,500 completions. The largest weighted term becomes the item's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

RECENCY_HALF_LIFE_HOURS = 24.0
# Following counts, but not so much that For You turns into a second Following tab.
WEIGHTS = {"recency": 1.0, "completion": 1.0, "engagement": 2.0, "follow": 0.3}
# Beta-style priors: a new video starts at a 25% completion and 5% engagement rate.
COMPLETION_PRIOR = (1, 4)
ENGAGEMENT_PRIOR = (1, 20)


@dataclass(frozen=True)
class Candidate:
    post_id: int
    creator_id: int
    published_at: datetime
    views: int
    completions: int
    likes: int
    comments: int
    shares: int

    @cached_property
    def rates(self) -> dict[str, float]:
        """The weighted terms that do not depend on the viewer or the time: computed once per
        candidate, which the feed keeps in its cache."""
        completion = (self.completions + COMPLETION_PRIOR[0]) / (self.views + COMPLETION_PRIOR[1])
        interactions = self.likes + self.comments + 2 * self.shares
        engagement = (interactions + ENGAGEMENT_PRIOR[0]) / (self.views + ENGAGEMENT_PRIOR[1])
        return {
            "completion": WEIGHTS["completion"] * min(completion, 1.0),
            "engagement": WEIGHTS["engagement"] * min(engagement, 1.0),
        }


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float


def factors(candidate: Candidate, *, now: datetime, followed: frozenset[int]) -> dict[str, float]:
    """Each weighted term of the score, by name."""
    age_hours = max(0.0, (now - candidate.published_at).total_seconds() / 3600)
    return {
        "recency": WEIGHTS["recency"] * 0.5 ** (age_hours / RECENCY_HALF_LIFE_HOURS),
        **candidate.rates,
        "follow": WEIGHTS["follow"] if candidate.creator_id in followed else 0.0,
    }


def top_factor(candidate: Candidate, *, now: datetime, followed: frozenset[int]) -> str:
    """The term that contributed most: the honest "why am I seeing this"."""
    terms = factors(candidate, now=now, followed=followed)
    return max(terms, key=terms.__getitem__)


def rank(candidates: list[Candidate], *, now: datetime, followed: frozenset[int]) -> list[Scored]:
    """Best first; ties go to the newer post so the order is total and pages are stable."""
    scored = [
        # Rounded so a cursor carrying the score compares equal to a recomputed one.
        Scored(c, round(sum(factors(c, now=now, followed=followed).values()), 9))
        for c in candidates
    ]
    scored.sort(key=lambda s: (s.score, s.candidate.post_id), reverse=True)
    return scored


def spread_creators(page: list[Scored]) -> list[Scored]:
    """The same items, reordered so no two in a row are by one creator where another order
    allows it: each slot takes the best remaining item by someone other than the last creator."""
    remaining = list(page)
    spread: list[Scored] = []
    while remaining:
        last = spread[-1].candidate.creator_id if spread else None
        pick = next((s for s in remaining if s.candidate.creator_id != last), remaining[0])
        remaining.remove(pick)
        spread.append(pick)
    return spread
