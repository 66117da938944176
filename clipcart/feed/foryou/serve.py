"""The For You page.

Personalized (an adult, or a visitor, who said yes): the viewer's history is read fresh on
every page (their newest events count at once), their interest profile built from it, every
candidate source asked, each candidate's outcomes predicted and scored by the operator's
weights, and the page filled under the feed rules with a share of slots for exploration.

Not personalized (no answer yet, said no, or under 18): what is popular in the viewer's region,
plus the broad exploration pools. No behavioural data orders it; the viewer's own "not
interested" taps and what they finished today are still left out, as they asked.

Pages continue through a signed cursor holding the session's state (what was served, the
slot position, the last creator, the last hard-sell flags): a forged or edited cursor is
refused, and no state is kept on the server, so any worker can serve the next page.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import numpy as np
from django.core import signing
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput

from .. import counters, exploration
from ..history import Interaction, history_store
from ..policy import Policy, current_policy
from ..selectors import hidden_ids
from . import candidates as sources
from . import reasons
from .catalogue import Catalogue, Video, live_catalogue
from .features import COUNTED, OUTCOMES, ViewerContext, feature_matrix
from .model import LiveModel, current_model
from .outcomes import value_columns
from .profile import ViewerProfile, build_profile, preferences_of
from .rules import Pick, Run, exploration_slots, fill

CURSOR_SALT = "clipcart.feed.for_you"
MAX_SERVED = 400  # ids remembered in the cursor: more than anyone swipes in one session
POPULAR_LIMIT = 300
# Fewer candidates than this from the sources (a small or new instance): the rest of the
# catalogue, newest first, fills in, so the feed does not end while unseen videos remain.
MIN_CANDIDATES = 300
# Sources in the order they claim a video proposed by several (the most specific first).
CLAIM_ORDER = ("followed", "carted", "hashtag", "engine", "fresh", "popular_region")
# Pre-ranking: the outcome models predict only a shortlist of the candidates, half the best by
# the engine's ranker and half the best by the outcomes' prior (the video's smoothed rates moved
# by the viewer's affinities), so their cost stays flat however many candidates the sources
# bring; the others follow, by their prior. Enough for several pages under the feed rules.
SHORTLIST = 64


@dataclass
class ForYouPage:
    post_ids: list[int]
    why: dict[int, reasons.Why]
    reasons: dict[int, str]
    followed: frozenset[int]
    next_cursor: str | None


@dataclass
class _Session:
    started: int  # epoch seconds of the first page
    served: list[int] = field(default_factory=list)
    run: Run = field(default_factory=Run)


# --- Cursor -------------------------------------------------------------------------------------


def _encode(session: _Session) -> str:
    state = {
        "t": session.started,
        "s": session.served[-MAX_SERVED:],
        "p": session.run.position,
        "c": session.run.last_creator,
        "h": "".join("1" if hard else "0" for hard in session.run.recent_hard),
    }
    return signing.dumps(state, salt=CURSOR_SALT, compress=True)


def _decode(cursor: str) -> _Session:
    try:
        state = signing.loads(cursor, salt=CURSOR_SALT)
        served, position, creator, hard = state["s"], state["p"], state["c"], state["h"]
        if not (
            isinstance(state["t"], int)
            and isinstance(served, list)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in served)
            and isinstance(position, int)
            and position >= 0
            and (creator is None or isinstance(creator, int))
            and isinstance(hard, str)
            and set(hard) <= {"0", "1"}
        ):
            raise ValueError
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        raise InvalidInput("The cursor is not valid.", field="cursor") from None
    run = Run(position=position, last_creator=creator, recent_hard=[c == "1" for c in hard])
    return _Session(started=state["t"], served=served, run=run)


# --- The page -----------------------------------------------------------------------------------


def for_you(*, viewer, cursor: str | None, size: int) -> ForYouPage:
    now = timezone.now()
    session = _decode(cursor) if cursor else _Session(started=int(now.timestamp()))
    catalogue = live_catalogue()
    policy = current_policy()
    privacy = viewer.privacy
    followed = frozenset(account_selectors.followed_ids(viewer.user_id))
    why: Callable[[int], reasons.Why]
    if privacy.personalized and viewer.actor:
        ranked, why, interests = _personalized(viewer, catalogue, policy, followed, now=now)
    else:
        general, interests = _general(viewer, catalogue, privacy.region, now=now)
        ranked, why = general.ranked, general.why.__getitem__
    excluded = set(session.served) | _hidden(viewer, catalogue, now=now)
    ranked = [p for p in ranked if p.post_id not in excluded]
    explored, why_explored = _explored(
        viewer, session, interests, excluded, catalogue, policy, size
    )
    page = fill(
        ranked,
        explored,
        run=session.run,
        size=size,
        share=policy.exploration_share,
        plain_min=policy.plain_min,
        plain_window=policy.plain_window,
    )
    session.served += [p.post_id for p in page]
    more = len(page) == size and any(p.post_id not in session.served for p in ranked)
    shown = {p.post_id: why_explored[p.post_id] if p.explored else why(p.post_id) for p in page}
    handles = catalogue.handles
    return ForYouPage(
        post_ids=[p.post_id for p in page],
        why=shown,
        reasons={
            p.post_id: reasons.text(shown[p.post_id], creator=handles.get(p.creator_id, ""))
            for p in page
        },
        followed=followed,
        next_cursor=_encode(session) if more else None,
    )


def _hidden(viewer, catalogue: Catalogue, *, now: datetime) -> set[int]:
    """The viewer's own posts, what they marked not interested and what they finished in the
    last day (their explicit wishes, honoured whatever their personalization choice)."""
    own = {v.post_id for v in catalogue.videos.values() if v.creator_id == viewer.user_id}
    return own | hidden_ids(viewer, now=now)


def _pick(video: Video, *, explored: bool = False) -> Pick:
    return Pick(video.post_id, video.creator_id, video.hard_sell, explored)


# --- Not personalized ---------------------------------------------------------------------------


@dataclass
class _General:
    ranked: list[Pick]
    why: dict[int, reasons.Why]


def _general(viewer, catalogue: Catalogue, region: str, *, now: datetime):
    popular = counters.popular_in_region(region, limit=POPULAR_LIMIT)
    name = account_selectors.region_name(region)
    why = {p.post_id: reasons.Why(p.source, name) for p in sources.popular(catalogue, popular)}
    for proposal in sources.backfill(catalogue, exclude=set(why), now=now):
        why[proposal.post_id] = reasons.Why(proposal.source)
    ranked = [_pick(catalogue.videos[post_id]) for post_id in why]
    return _General(ranked, why), exploration.Interests()


# --- Personalized -------------------------------------------------------------------------------


def _personalized(viewer, catalogue: Catalogue, policy: Policy, followed, *, now: datetime):
    """The ranked candidates, and the "why" of any of them (made only for the page's few)."""
    model = current_model()
    preferences = preferences_of(viewer.actor)
    history = history_store().recent(viewer.actor, since=preferences.reset_at)
    profile = build_profile(history, catalogue, now=now, preferences=preferences)
    carted = _carted_categories(profile, catalogue)
    popular = counters.popular_in_region(viewer.privacy.region, limit=POPULAR_LIMIT)
    proposals, engine = _proposals(
        model, history, profile, catalogue, followed, carted, popular, now
    )
    videos = [catalogue.videos[p.post_id] for p in proposals]
    scored = _score(model, engine, profile, videos, catalogue, followed, carted, policy, now=now)
    name = account_selectors.region_name(viewer.privacy.region)
    row_of = {proposal.post_id: row for row, proposal in enumerate(proposals)}

    def why(post_id: int) -> reasons.Why:
        row = row_of[post_id]
        proposal, video = proposals[row], videos[row]
        detail = _detail(proposal, video, profile, catalogue, region_name=name)
        predicted = bool(scored.shortlisted[row])
        factors = {
            outcome: term
            for outcome, term in zip(OUTCOMES, scored.terms[row].tolist(), strict=True)
            if _evidenced(outcome, video, model, predicted=predicted)
        }
        return reasons.Why(proposal.source, detail, reasons.top_factors(factors, policy.weights))

    # The shortlist first; videos the viewer already met (not finished today) are kept for
    # when the new ones run out.
    order = sorted(
        range(len(videos)),
        key=lambda row: (
            videos[row].post_id in profile.seen,
            not scored.shortlisted[row],
            -scored.scores[row],
            -videos[row].post_id,
        ),
    )
    ranked = [_pick(videos[row]) for row in order]
    return ranked, why, _interests(profile)


def _evidenced(outcome: str, video: Video, model: LiveModel, *, predicted: bool) -> bool:
    """A reason names an outcome only when something real stands behind it: a model that
    learned it from people's events (and predicted this video: it was shortlisted), or this
    video's own counters recording it. (The fallback for an unlearned outcome is a guess from
    affinities, not something people did.)"""
    if predicted and outcome in model.outcomes.boosters:
        return True
    counter = COUNTED.get(outcome)
    return counter is not None and getattr(video.counts, counter) > 0


def _carted_categories(profile: ViewerProfile, catalogue: Catalogue) -> frozenset[int]:
    """The categories of the viewer's latest carted or bought products that can be browsed.
    Products tagged in live videos are in the catalogue (as of its build, seconds ago); only
    the others are looked up."""
    carted = profile.carted[:20]
    known = catalogue.product_categories
    categories = {known[p] for p in carted if p in known}
    if unknown := [p for p in carted if p not in known]:
        facts = catalog_selectors.product_facts(unknown)
        categories |= {f.category_id for f in facts.values()}
    return frozenset(c for c in categories if c is not None)


def _proposals(
    model: LiveModel,
    history: list[Interaction],
    profile: ViewerProfile,
    catalogue: Catalogue,
    followed: frozenset[int],
    carted: frozenset[int],
    popular: list[int],
    now: datetime,
) -> tuple[list[sources.Proposal], sources.EngineView]:
    """Every source's candidates, each claimed by the first source in CLAIM_ORDER that
    proposed it, topped up from the rest of the catalogue; and the engine's view of them."""
    by_source = {
        "followed": sources.followed(catalogue, followed),
        "carted": sources.carted_related(catalogue, carted),
        "hashtag": sources.hashtag_trending(catalogue, profile, popular=popular),
        "fresh": sources.fresh(catalogue, now=now),
        "popular_region": sources.popular(catalogue, popular),
    }
    others = {p.post_id for proposals in by_source.values() for p in proposals}
    # The top-up below takes the newest videos no source proposed until there are
    # MIN_CANDIDATES: whatever the engine proposes, they are among the newest
    # MIN_CANDIDATES - len(others) not in `others`, so one engine pass scores them all.
    reserve = sources.backfill(catalogue, exclude=others, now=now)
    reserve = reserve[: max(MIN_CANDIDATES - len(others), 0)]
    by_source["engine"], engine = sources.engine_pass(
        model, history, catalogue, also=others | {p.post_id for p in reserve}, now=now
    )
    claimed: dict[int, sources.Proposal] = {}
    for name in CLAIM_ORDER:
        for proposal in by_source[name]:
            claimed.setdefault(proposal.post_id, proposal)
    if len(claimed) < MIN_CANDIDATES:
        for proposal in sources.backfill(catalogue, exclude=set(claimed), now=now):
            claimed.setdefault(proposal.post_id, proposal)
            if len(claimed) >= MIN_CANDIDATES:
                break
    return list(claimed.values()), engine


@dataclass
class _Scored:
    scores: np.ndarray  # each candidate's score: by the outcome models when shortlisted
    terms: np.ndarray  # candidates × OUTCOMES: each outcome's weighted term of the score
    shortlisted: np.ndarray  # bool: the outcome models predicted it


def _score(
    model: LiveModel,
    engine: sources.EngineView,
    profile: ViewerProfile,
    videos: list[Video],
    catalogue: Catalogue,
    followed: frozenset[int],
    carted: frozenset[int],
    policy: Policy,
    *,
    now: datetime,
) -> _Scored:
    """Each video's score for this viewer, and its weighted term of each outcome: the prior's
    for all, the outcome models' for the shortlist."""
    if not videos:
        empty = np.zeros(0)
        return _Scored(empty, np.zeros((0, len(OUTCOMES))), empty.astype(bool))
    columns = catalogue.columns_of(videos)
    context = ViewerContext.of(profile, followed=followed, carted_categories=carted)
    engine_scores = [engine.score(v.post_id) for v in videos]
    features = feature_matrix(
        context,
        videos,
        engine_scores=engine_scores,
        engine_proposed=[engine.proposed_flag(v.post_id) for v in videos],
        base=model.base,
        now=now,
        columns=columns,
    )
    weigh = partial(value_columns, weights=policy.weights, base=model.base)
    prior_scores, terms = weigh(model.outcomes.prior(features), columns)
    scores = np.array(prior_scores)
    rows = shortlist(scores, np.array(engine_scores, dtype=np.float64), SHORTLIST)
    predicted_scores, terms[rows] = weigh(
        model.outcomes.predict(features[rows]), columns.take(rows)
    )
    scores[rows] = predicted_scores
    shortlisted = np.zeros(len(videos), dtype=bool)
    shortlisted[rows] = True
    return _Scored(scores, terms, shortlisted)


def shortlist(prior: np.ndarray, engine: np.ndarray, size: int) -> np.ndarray:
    """Rows of the best `size` candidates: half by the engine's score (a video it does not know
    has none), the rest by the prior; all of them when there are no more than `size`."""
    if len(prior) <= size:
        return np.arange(len(prior))
    known = np.flatnonzero(~np.isnan(engine))
    by_engine = known[np.argsort(-engine[known], kind="stable")][: size // 2]
    chosen = set(by_engine.tolist())
    for row in np.argsort(-prior, kind="stable").tolist():
        if len(chosen) >= size:
            break
        chosen.add(row)
    return np.array(sorted(chosen), dtype=np.int64)


def _detail(
    proposal: sources.Proposal,
    video: Video,
    profile: ViewerProfile,
    catalogue: Catalogue,
    *,
    region_name: str,
) -> str | None:
    """The name the reason shows: the matched hashtag or category, or for the engine's
    personal sources the video's hashtag the viewer likes most."""
    if proposal.source == "hashtag" and proposal.detail is not None:
        return catalogue.hashtag_names.get(proposal.detail)
    if proposal.source == "carted" and proposal.detail is not None:
        return catalogue.category_names.get(proposal.detail)
    if proposal.source == "popular_region":
        return region_name
    if proposal.source in reasons.PERSONAL_SOURCES:
        liked = [(profile.hashtags.get(t, 0.0), t) for t in video.hashtags]
        best = max(liked, default=(0.0, 0))
        return catalogue.hashtag_names.get(best[1]) if best[0] > 0 else None
    return None


def _interests(profile: ViewerProfile) -> exploration.Interests:
    return exploration.Interests(
        hashtags=frozenset(k for k, _ in profile.liked("hashtag", limit=10)),
        creators=frozenset(k for k, _ in profile.liked("creator", limit=10)),
        categories=frozenset(k for k, _ in profile.liked("category", limit=5)),
    )


# --- Exploration --------------------------------------------------------------------------------


def _explored(
    viewer, session: _Session, interests, excluded: set[int], catalogue, policy: Policy, size: int
) -> tuple[list[Pick], dict[int, reasons.Why]]:
    """Candidates for this page's exploration slots, by Thompson sampling (exploration.py)."""
    slots = exploration_slots(session.run.position, size, policy.exploration_share)
    if not slots:
        return [], {}
    rng = random.Random(f"{viewer.actor}:{session.started}:{session.run.position}")
    picks = exploration.pick_for(interests=interests, exclude=excluded, n=slots + 1, rng=rng)
    explored, why = [], {}
    for pick in picks:
        video = catalogue.videos.get(pick.post_id)
        if video is None:
            continue
        kind, _, detail = pick.matched.partition(":")
        why[video.post_id] = reasons.Why(f"explore:{kind}", detail or None)
        explored.append(_pick(video, explored=True))
    return explored, why
