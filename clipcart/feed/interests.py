"""The interest profile as its owner sees it, and their rights over what Clipcart learned from
their behaviour: see what the For You ranker thinks they like, remove any of it (and undo),
reset all of it, download everything behavioural as JSON, and erase it.

The profile shown is `foryou.profile.viewer_profile` itself, never a copy computed another way,
so what a person sees here is exactly what ranks their feed, and an edit here changes their
very next feed page (every edit drops the cached preferences).

Whose data it is comes only from the request (`Viewer.actor`: "u:<user id>" for a signed-in
person, "s:<session key>" for an anonymous visitor): nothing here takes another actor as input,
so nobody can read or erase another person's data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput, NotAuthenticated, NotFound
from clipcart.media import selectors as media_selectors

from .foryou.catalogue import live_catalogue
from .foryou.profile import KINDS, forget_preferences, viewer_profile
from .history import history_store
from .models import Event, InterestRemoval, InterestReset
from .selectors import Viewer

# As many of each kind as the page and the API list (the ranker weighs them all).
PROFILE_LIMIT = 20
# Ids are positive 64-bit integers; anything else is refused before it reaches a query.
MAX_ID = 2**63 - 1
EXPORT_FORMAT = "clipcart.behavioural-data"
EXPORT_VERSION = 1
# Rows fetched per round trip while an export streams: a long history never sits in memory.
EXPORT_CHUNK = 2000

# Every column of the feed app that names a person, and what erasure does with it. The erasure
# test compares these with the models, so a new model with an actor or user column cannot be
# added without deciding here whether erasure deletes its rows.
ERASED_COLUMNS = frozenset(
    {
        ("feed.Event", "actor"),
        ("feed.Event", "user"),
        ("feed.InterestRemoval", "actor"),
        ("feed.InterestReset", "actor"),
    }
)
KEPT_COLUMNS = {
    ("feed.CreatorStats", "creator"): "a creator's total views: counts of other people's views",
    ("feed.CreatorDay", "creator"): "a creator's views per day: counts of other people's views",
    ("feed.RankingPolicy", "updated_by"): "which operator last changed the ranking weights",
}
# What erasure keeps, in words the page and the API answer show.
KEPT_AFTER_ERASURE = (
    "Your likes and follows: they are public social actions, not a record of what you watched."
    " You can unlike and unfollow at any time.",
    "Counters without names in them (views of a video, of a hashtag per day, per region per"
    " day): they cannot be traced back to you.",
    "The trained recommender model: it holds no user ids and no per-person data, by design, so"
    " nothing in it needs retraining.",
)


# --- The profile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interest:
    kind: str  # "hashtag" | "creator" | "category"
    id: int
    name: str | None  # hashtag name, creator handle or category name; None if it is gone
    strength: int  # 1–100, relative to the strongest of its kind
    affinity: float  # the ranker's own score: decayed sum of signals


@dataclass(frozen=True)
class RemovedInterest:
    kind: str
    id: int
    name: str | None
    removed_at: datetime


@dataclass(frozen=True)
class InterestPage:
    """What the ranker thinks the viewer likes, strongest first, and the viewer's own edits."""

    hashtags: list[Interest]
    creators: list[Interest]
    categories: list[Interest]
    removed: list[RemovedInterest]
    reset_at: datetime | None

    def of(self, kind: str) -> list[Interest]:
        return {"hashtag": self.hashtags, "creator": self.creators, "category": self.categories}[
            kind
        ]

    @property
    def empty(self) -> bool:
        return not (self.hashtags or self.creators or self.categories)


def interest_profile(*, actor: str | None) -> InterestPage:
    """The viewer's interest profile exactly as the For You ranker computes it now, named.
    (Whether their feed may use it is their privacy choice: `Viewer.privacy.personalized`.)"""
    profile = viewer_profile(actor)
    removals = list(
        InterestRemoval.objects.filter(actor=actor or "").values_list("kind", "key", "created_at")
    )
    liked = {kind: profile.liked(kind, limit=PROFILE_LIMIT) for kind in KINDS}
    names = _names(
        {kind: [key for key, _ in liked[kind]] + [k for r, k, _ in removals if r == kind]}
        for kind in KINDS
    )
    reset = InterestReset.objects.filter(actor=actor or "").values_list("reset_at", flat=True)
    hashtags, creators, categories = (_interests(k, liked[k], names[k]) for k in KINDS)
    return InterestPage(
        hashtags=hashtags,
        creators=creators,
        categories=categories,
        removed=[
            RemovedInterest(kind, key, names[kind].get(key), at) for kind, key, at in removals
        ],
        reset_at=next(iter(reset), None),
    )


def _interests(kind: str, liked: list[tuple[int, float]], names: dict[int, str]) -> list[Interest]:
    strongest = liked[0][1] if liked else 1.0
    return [
        Interest(kind, key, names.get(key), max(1, round(100 * value / strongest)), value)
        for key, value in liked
    ]


def _names(wanted: Iterable[dict[str, list[int]]]) -> dict[str, dict[int, str]]:
    """kind → id → name: from the live catalogue (already in the cache), and for what is not
    in it (a removed interest whose videos are gone) from its app, one query a kind at most."""
    ids: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for one in wanted:
        for kind, keys in one.items():
            ids[kind].update(keys)
    catalogue = live_catalogue()
    known = {
        "hashtag": catalogue.hashtag_names,
        "creator": catalogue.handles,
        "category": catalogue.category_names,
    }
    lookups = {
        "hashtag": media_selectors.hashtag_names,
        "creator": account_selectors.handles_of,
        "category": lambda keys: catalog_selectors.category_names(),
    }
    names: dict[str, dict[int, str]] = {}
    for kind in KINDS:
        names[kind] = {key: known[kind][key] for key in ids[kind] if key in known[kind]}
        missing = ids[kind] - names[kind].keys()
        if missing:
            names[kind].update(
                (key, name) for key, name in lookups[kind](missing).items() if key in missing
            )
    return names


def name_of(*, kind: str, key: int) -> str | None:
    """The name of one hashtag, creator or category (None if it is gone)."""
    return _names([{kind: [key]}]).get(kind, {}).get(key)


# --- Edits: remove, restore, reset ----------------------------------------------------------------


def check_interest(*, kind: object, key: object) -> tuple[str, int]:
    """A kind and an id as a client sent them (path segments, form fields), checked."""
    if kind not in KINDS:
        raise InvalidInput("The kind is hashtag, creator or category.", field="kind")
    raw = str(key).strip() if isinstance(key, (int, str)) and not isinstance(key, bool) else ""
    # Length first: int() of a long digit string is slow, and of a huge one refused.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID):
        raise InvalidInput("The id is a positive whole number.", field="id")
    return str(kind), int(raw)


def _exists(kind: str, key: int) -> bool:
    if kind == "hashtag":
        return key in media_selectors.hashtag_names([key])
    if kind == "creator":
        return key in account_selectors.handles_of([key])
    return key in catalog_selectors.category_names()


def required_actor(actor: str | None) -> str:
    if not actor:
        raise NotAuthenticated("Your interests need a session or a token.")
    return actor


def remove_interest(*, actor: str | None, kind: object, key: object) -> None:
    """Removes an interest from the actor's profile: it stops shaping their feed on their next
    page and is never inferred for them again until they restore it. Removing one twice, or one
    that is not in the profile now (so it never comes back), is allowed."""
    actor = required_actor(actor)
    kind, key = check_interest(kind=kind, key=key)
    if not _exists(kind, key):
        raise NotFound(f"No such {kind}.", code="interest_not_found", field="id")
    InterestRemoval.objects.bulk_create(
        [InterestRemoval(actor=actor, kind=kind, key=key)], ignore_conflicts=True
    )
    forget_preferences(actor)


def restore_interest(*, actor: str | None, kind: object, key: object) -> None:
    """Undoes a removal: the interest counts again, as the actor's history says. Restoring one
    that is not removed changes nothing."""
    actor = required_actor(actor)
    kind, key = check_interest(kind=kind, key=key)
    deleted, _ = InterestRemoval.objects.filter(actor=actor, kind=kind, key=key).delete()
    if not deleted and not _exists(kind, key):
        raise NotFound(f"No such {kind}.", code="interest_not_found", field="id")
    forget_preferences(actor)


def reset_interests(*, actor: str | None) -> datetime:
    """From now on nothing the actor did before now shapes their feed; what they do next counts
    again. Their removals stay: those are explicit choices, not something inferred."""
    actor = required_actor(actor)
    now = timezone.now()
    InterestReset.objects.update_or_create(actor=actor, defaults={"reset_at": now})
    forget_preferences(actor)
    return now


# --- Download -----------------------------------------------------------------------------------


def _events_filter(viewer: Viewer) -> Q:
    """The viewer's events: a person's are those of their account actor or carrying their user
    id; an anonymous visitor's, those of their browser session."""
    where = Q(actor=required_actor(viewer.actor))
    return where | Q(user_id=viewer.user_id) if viewer.user_id else where


def export_behavioural_data(*, viewer: Viewer) -> dict[str, object]:
    """Everything behavioural Clipcart holds about the viewer, as documented JSON-ready data
    (version 1; ISO 8601 times in UTC, integer ids):

    - `format`, `version`, `exported_at`; `account`: `{user_id, signed_in}`;
    - `personalization`: `{personalized, asked, minor, region}`, their feed privacy now;
    - `interest_profile`: `{hashtags, creators, categories}`, each `[{id, name, strength,
      affinity}]` as the ranker computes it now, and `used_for_feed`;
    - `removed_interests`: `[{kind, id, name, removed_at}]`; `reset_at`;
    - `follows`: `[{creator_id, handle, followed_at}]`; `likes`: `[{video_id, liked_at}]`;
    - `events`: every event, oldest first: `{id, client_id, source, type, ts, received_at,
      video_id, product_id, watch_ms, region}`; `source` is "account" or "browser_session"
      (the session key itself is never written: it would let whoever holds the file act as
      that browser).

    `follows`, `likes` and `events` are lazy iterators that read the database in chunks:
    write the whole with `export_json`, which streams them.
    """
    actor = required_actor(viewer.actor)
    privacy = viewer.privacy
    page = interest_profile(actor=actor)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "account": {"user_id": viewer.user_id, "signed_in": viewer.user_id is not None},
        "personalization": {
            "personalized": privacy.personalized,
            "asked": privacy.asked,
            "minor": privacy.minor,
            "region": privacy.region,
        },
        "interest_profile": {
            **{
                name: [_interest_json(i) for i in page.of(kind)]
                for kind, name in zip(KINDS, ("hashtags", "creators", "categories"), strict=True)
            },
            "used_for_feed": privacy.personalized,
        },
        "removed_interests": [
            {"kind": r.kind, "id": r.id, "name": r.name, "removed_at": _iso(r.removed_at)}
            for r in page.removed
        ],
        "reset_at": _iso(page.reset_at),
        "follows": _follows(viewer.user_id),
        "likes": _likes(viewer.user_id),
        "events": _events(viewer),
    }


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def _interest_json(interest: Interest) -> dict:
    return {
        "id": interest.id,
        "name": interest.name,
        "strength": interest.strength,
        "affinity": round(interest.affinity, 4),
    }


def _events(viewer: Viewer) -> Iterator[dict]:
    fields = ("id", "client_id", "actor", "type", "ts", "received_at", "video_id", "product_id")
    rows = (
        Event.objects.filter(_events_filter(viewer))
        .order_by("ts", "id")
        .values(*fields, "watch_ms", "region")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for row in rows:
        actor = row.pop("actor")
        yield {
            **row,
            "source": "account" if actor.startswith("u:") else "browser_session",
            "ts": _iso(row["ts"]),
            "received_at": _iso(row["received_at"]),
        }


def _follows(user_id: int | None) -> Iterator[dict]:
    if not user_id:
        return
    rows = account_selectors.follows_of(user_id).iterator(chunk_size=EXPORT_CHUNK)
    for creator_id, handle, at in rows:
        yield {"creator_id": creator_id, "handle": handle, "followed_at": _iso(at)}


def _likes(user_id: int | None) -> Iterator[dict]:
    if not user_id:
        return
    for post_id, at in media_selectors.likes_of(user_id).iterator(chunk_size=EXPORT_CHUNK):
        yield {"video_id": post_id, "liked_at": _iso(at)}


def export_json(export: dict[str, object]) -> Iterator[str]:
    """The export as JSON text in pieces: the small parts at once, then every item of the lazy
    lists one by one, so a response can stream a history of any length."""
    yield "{"
    for index, (key, value) in enumerate(export.items()):
        yield ("," if index else "") + json.dumps(key) + ":"
        if isinstance(value, Iterator):
            yield "["
            for position, item in enumerate(value):
                yield ("," if position else "") + json.dumps(item)
            yield "]"
        else:
            yield json.dumps(value)
    yield "}\n"


@dataclass(frozen=True)
class DataSummary:
    """How much behavioural data Clipcart holds about a viewer (what erasure would delete)."""

    events: int
    removed_interests: int
    resets: int


def data_summary(*, viewer: Viewer) -> DataSummary:
    actor = required_actor(viewer.actor)
    return DataSummary(
        events=Event.objects.filter(_events_filter(viewer)).count(),
        removed_interests=InterestRemoval.objects.filter(actor=actor).count(),
        resets=InterestReset.objects.filter(actor=actor).count(),
    )


# --- Erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReceipt:
    events: int
    removed_interests: int
    resets: int
    erased_at: datetime

    @property
    def total(self) -> int:
        return self.events + self.removed_interests + self.resets


def erase_behavioural_data(*, viewer: Viewer) -> ErasureReceipt:
    """Deletes, in one transaction, every behavioural row Clipcart holds about the viewer: their
    events (of their actor and carrying their user id), their removed interests and their
    reset (ERASED_COLUMNS). After the commit their recent-history copy (Redis, when configured)
    and their cached preferences are dropped, so their next page knows nothing of them.

    Kept, because they are not personal data of the viewer (KEPT_COLUMNS, KEPT_AFTER_ERASURE):
    counters rolled up from everyone's events (views per post, per creator, per hashtag and
    day, per region and day) carry no actor or user; the trained recommender model
    (RankerModel) holds item-level data only, no user ids and no per-user vectors, by design,
    so nothing needs retraining. Likes and follows are the person's public social actions, not
    erased here: they can unlike and unfollow.
    """
    actor = required_actor(viewer.actor)
    with transaction.atomic():
        events, _ = Event.objects.filter(_events_filter(viewer)).delete()
        removals, _ = InterestRemoval.objects.filter(actor=actor).delete()
        resets, _ = InterestReset.objects.filter(actor=actor).delete()
        transaction.on_commit(partial(_forget, actor))
    return ErasureReceipt(
        events=events, removed_interests=removals, resets=resets, erased_at=timezone.now()
    )


def _forget(actor: str) -> None:
    history_store().forget(actor)
    forget_preferences(actor)
