"""What a viewer's own behaviour says they like: the interest profile that both ranks their
For You page and is shown to them on the interest page, so what they see there is exactly what
the ranker uses, and removing an interest there removes it from the ranking.

Built on every page from the viewer's recent history (newest events count at once) and the
live catalogue. Each video the viewer met gets a signal: positive for finishing, liking,
sharing, following, tapping and buying; negative for "not interested" and quick skips. A
video's signal, decayed by age, is credited to its hashtags, its creator and its products'
categories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from ..history import Interaction, history_store
from ..models import Event, InterestRemoval, InterestReset
from .catalogue import Catalogue, live_catalogue

# How much each event says about liking the video (per video, each type counted once).
SIGNAL = {
    Event.Type.COMPLETE: 1.0,
    Event.Type.LIKE: 2.0,
    Event.Type.SHARE: 3.0,
    Event.Type.FOLLOW: 3.0,
    Event.Type.ANCHOR_CLICK: 1.5,
    Event.Type.ADD_TO_CART: 3.0,
    Event.Type.PURCHASE: 4.0,
    Event.Type.NOT_INTERESTED: -4.0,
}
# Gone before two seconds without any other action: the viewer did not want it.
QUICK_SKIP_MS = 2000
QUICK_SKIP = -0.5
HALF_LIFE = timedelta(days=7)
# Events that say the viewer engaged with a video: what the engine's sources learn from
# (the same definition as the offline log exported from the feed).
ENGAGED = frozenset(
    {
        Event.Type.VIEW_PROGRESS,
        Event.Type.COMPLETE,
        Event.Type.LIKE,
        Event.Type.SHARE,
        Event.Type.ANCHOR_CLICK,
        Event.Type.ADD_TO_CART,
        Event.Type.PURCHASE,
    }
)
REWATCH_AFTER = timedelta(days=1)
PREFERENCES_TTL_S = 300
KINDS = ("hashtag", "creator", "category")


@dataclass(frozen=True)
class Preferences:
    """The viewer's own edits: interests they removed, and when they last reset."""

    removed: frozenset[tuple[str, int]] = frozenset()
    reset_at: datetime | None = None


@dataclass
class VideoSignal:
    video_id: int
    last_ts: datetime
    types: set[str] = field(default_factory=set)
    watch_ms: int = 0

    @property
    def quick_skip(self) -> bool:
        acted = self.types - {Event.Type.IMPRESSION, Event.Type.VIEW_PROGRESS}
        return not acted and self.watch_ms < QUICK_SKIP_MS

    @property
    def value(self) -> float:
        if self.quick_skip and Event.Type.IMPRESSION in self.types:
            return QUICK_SKIP
        return sum(SIGNAL.get(kind, 0.0) for kind in self.types)  # type: ignore[call-overload]


@dataclass
class ViewerProfile:
    """Affinities (decayed signal sums; negative = dislike) and the sets the feed rules need."""

    hashtags: dict[int, float] = field(default_factory=dict)
    creators: dict[int, float] = field(default_factory=dict)
    categories: dict[int, float] = field(default_factory=dict)
    recent: list[int] = field(default_factory=list)  # engaged videos, newest first
    seen: set[int] = field(default_factory=set)
    completed_recently: set[int] = field(default_factory=set)
    not_interested: set[int] = field(default_factory=set)
    carted: list[int] = field(default_factory=list)  # products carted or bought, newest first
    signals: int = 0

    def of(self, kind: str) -> dict[int, float]:
        return {"hashtag": self.hashtags, "creator": self.creators, "category": self.categories}[
            kind
        ]

    def liked(self, kind: str, *, limit: int = 20) -> list[tuple[int, float]]:
        """The kind's positive affinities, strongest first."""
        values = sorted(self.of(kind).items(), key=lambda kv: (-kv[1], kv[0]))
        return [(key, value) for key, value in values if value > 0][:limit]

    @property
    def empty(self) -> bool:
        return not (self.hashtags or self.creators or self.categories or self.recent)


def build_profile(
    history: list[Interaction],
    catalogue: Catalogue,
    *,
    now: datetime,
    preferences: Preferences = Preferences(),
) -> ViewerProfile:
    """The profile of `history` (newest first), without what the viewer removed."""
    profile = ViewerProfile()
    signals = _signals(history, profile, now=now)
    for signal in signals.values():
        value = signal.value * 0.5 ** ((now - signal.last_ts) / HALF_LIFE)
        video = catalogue.videos.get(signal.video_id)
        if video is None or value == 0:
            continue
        profile.signals += 1
        _credit(profile.hashtags, video.hashtags, value)
        _credit(profile.creators, (video.creator_id,), value)
        _credit(profile.categories, video.categories, value)
    for kind, key in preferences.removed:
        profile.of(kind).pop(key, None)
    return profile


def _signals(
    history: list[Interaction], profile: ViewerProfile, *, now: datetime
) -> dict[int, VideoSignal]:
    signals: dict[int, VideoSignal] = {}
    recent: dict[int, None] = {}
    carted: dict[int, None] = {}
    for event in history:  # newest first
        if event.type in (Event.Type.ADD_TO_CART, Event.Type.PURCHASE) and event.product_id:
            carted.setdefault(event.product_id)
        if event.video_id is None:
            continue
        signal = signals.setdefault(event.video_id, VideoSignal(event.video_id, event.ts))
        signal.types.add(event.type)
        signal.watch_ms = max(signal.watch_ms, event.watch_ms or 0)
        profile.seen.add(event.video_id)
        if event.type in ENGAGED:
            recent.setdefault(event.video_id)
        if event.type == Event.Type.COMPLETE and event.ts >= now - REWATCH_AFTER:
            profile.completed_recently.add(event.video_id)
        if event.type == Event.Type.NOT_INTERESTED:
            profile.not_interested.add(event.video_id)
    profile.recent = list(recent)
    profile.carted = list(carted)
    return signals


def _credit(affinity: dict[int, float], keys, value: float) -> None:
    for key in keys:
        affinity[key] = affinity.get(key, 0.0) + value


# --- The viewer's edits ---------------------------------------------------------------------


def _preferences_key(actor: str) -> str:
    return f"feed:prefs:{actor}"


def preferences_of(actor: str) -> Preferences:
    """Removed interests and the last reset of `actor` (cached; edits drop the cache)."""
    key = _preferences_key(actor)
    preferences = cache.get(key)
    if preferences is None:
        reset = InterestReset.objects.filter(actor=actor).values_list("reset_at", flat=True)
        removed = InterestRemoval.objects.filter(actor=actor).values_list("kind", "key")
        preferences = Preferences(removed=frozenset(removed), reset_at=next(iter(reset), None))
        cache.set(key, preferences, timeout=PREFERENCES_TTL_S)
    return preferences


def forget_preferences(actor: str) -> None:
    """Call after changing an actor's removals or reset, so their next page sees it."""
    cache.delete(_preferences_key(actor))


def viewer_profile(
    actor: str | None, *, catalogue: Catalogue | None = None, now: datetime | None = None
) -> ViewerProfile:
    """The profile of `actor` from their history since their last reset. The caller decides
    whether the viewer's privacy choice lets it be used."""
    if actor is None:
        return ViewerProfile()
    preferences = preferences_of(actor)
    history = history_store().recent(actor, since=preferences.reset_at)
    return build_profile(
        history,
        catalogue or live_catalogue(),
        now=now or timezone.now(),
        preferences=preferences,
    )
