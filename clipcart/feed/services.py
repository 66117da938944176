"""Writes of the feed app: ingesting the events that pages and apps report, and rolling them up
into the view counters of posts, creators, hashtags and regions."""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clipcart.accounts import selectors as account_selectors
from clipcart.core.errors import InvalidInput, NotAuthenticated
from clipcart.media import selectors as media_selectors

from . import counters, history, locks
from .models import CreatorDay, CreatorStats, Event, HashtagDay, PostStats, RegionPostDay

logger = logging.getLogger(__name__)

MAX_BATCH = 500
# Client clocks drift, so a little future is tolerated; more means a broken or lying client.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Beacons queue while a phone is offline, but week-old events would rewrite settled counters.
MAX_EVENT_AGE = timedelta(days=7)
MAX_WATCH_MS = 3 * 60 * 60 * 1000
ROLL_UP_BATCH = 5000
TYPES = frozenset(Event.Type.values)
POST_COUNTERS = [
    "views",
    "completions",
    "watch_ms",
    "shares",
    "anchor_clicks",
    "add_to_carts",
    "purchases",
    "not_interested",
]
COUNTED = {  # event type → the PostStats counter it increments
    Event.Type.IMPRESSION: "views",
    Event.Type.COMPLETE: "completions",
    Event.Type.SHARE: "shares",
    Event.Type.ANCHOR_CLICK: "anchor_clicks",
    Event.Type.ADD_TO_CART: "add_to_carts",
    Event.Type.PURCHASE: "purchases",
    Event.Type.NOT_INTERESTED: "not_interested",
}


@dataclass(frozen=True)
class EventIn:
    client_id: str
    type: str
    ts: datetime
    video_id: int | None
    product_id: int | None
    watch_ms: int | None


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    actor: str = ""
    events: list[EventIn] = field(default_factory=list)  # the batch, each id once
    stored: list[EventIn] = field(default_factory=list)  # those new to the table (not retries)


def actor_key(*, user, session_key: str | None) -> str:
    """Whose events these are: the signed-in user, else the browser session."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    if session_key:
        return f"s:{session_key}"
    raise NotAuthenticated("Events need a session or a token.")


# --- Validation ---------------------------------------------------------------------------------


def _optional_id(raw: object, *, field: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**62:
        raise InvalidInput("Ids are positive whole numbers.", field=field)
    return raw


def _timestamp(raw: object, *, field: str, now: datetime) -> datetime:
    """ISO 8601 text or epoch milliseconds, within the accepted window."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            ts = datetime.fromtimestamp(raw / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInput("The timestamp is out of range.", field=field) from None
    else:
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise InvalidInput(
                "ts is epoch milliseconds or an ISO 8601 time with a zone.", field=field
            )
        ts = parsed
    if ts > now + MAX_CLOCK_SKEW:
        raise InvalidInput("The timestamp is in the future.", code="ts_in_future", field=field)
    if ts < now - MAX_EVENT_AGE:
        raise InvalidInput("The event is too old to be counted.", code="ts_too_old", field=field)
    return ts


def _check_event(raw: object, index: int, *, now: datetime) -> EventIn:
    field = f"events.{index}"
    if not isinstance(raw, dict):
        raise InvalidInput("Each event is an object.", field=field)
    client_id = raw.get("id")
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        raise InvalidInput("Each event needs an id of 1–64 characters.", field=f"{field}.id")
    kind = raw.get("type")
    if kind not in TYPES:
        raise InvalidInput(
            f"Unknown event type {str(kind)[:30]!r}.", code="unknown_type", field=f"{field}.type"
        )
    watch_ms = raw.get("watch_ms")
    if watch_ms is not None and (
        isinstance(watch_ms, bool)
        or not isinstance(watch_ms, int)
        or not 0 <= watch_ms <= MAX_WATCH_MS
    ):
        raise InvalidInput(
            "watch_ms is whole milliseconds, up to 3 hours.", field=f"{field}.watch_ms"
        )
    return EventIn(
        client_id=client_id,
        type=kind,
        ts=_timestamp(raw.get("ts"), field=f"{field}.ts", now=now),
        video_id=_optional_id(raw.get("video_id"), field=f"{field}.video_id"),
        product_id=_optional_id(raw.get("product_id"), field=f"{field}.product_id"),
        watch_ms=watch_ms,
    )


def check_events(raw: object, *, now: datetime) -> list[EventIn]:
    """The whole batch, validated; one bad event refuses the batch so nothing is half-stored."""
    if not isinstance(raw, list):
        raise InvalidInput("events is a list.", field="events")
    if len(raw) > MAX_BATCH:
        raise InvalidInput(
            f"At most {MAX_BATCH} events per batch.", code="batch_too_large", field="events"
        )
    return [_check_event(item, index, now=now) for index, item in enumerate(raw)]


# --- Ingestion ----------------------------------------------------------------------------------

_COLUMNS = (
    "actor, client_id, user_id, region, type, ts, received_at, video_id, product_id, watch_ms, "
    "rolled_up"
)


@dataclass(frozen=True)
class _Sender:
    actor: str
    user_id: int | None
    region: str


def _insert_new(sender: _Sender, events: list[EventIn], now: datetime) -> set[str]:
    """Stores the events whose ids the actor has not sent before; returns those ids.

    `ON CONFLICT DO NOTHING RETURNING` (PostgreSQL, SQLite ≥ 3.35) names exactly what was new
    even when two copies of a batch race, which a read-then-write could not."""
    if connection.vendor == "postgresql":
        return _insert_new_postgres(sender, events, now)
    return _insert_new_rows(sender, events, now)


def _insert_new_postgres(sender: _Sender, events: list[EventIn], now: datetime) -> set[str]:
    """The batch as six arrays unnested into rows, bound on the server.

    Django's PostgreSQL cursor writes every parameter into the SQL text; for 100 events that is
    1,000 literals for Python to quote and PostgreSQL to parse (about half the ingestion time in
    bench/feed.py). A plain psycopg cursor on the same connection and transaction sends ten
    bound parameters instead."""
    import psycopg

    sql = (
        f"INSERT INTO {Event._meta.db_table} ({_COLUMNS}) "
        "SELECT %s, e.client_id, %s, %s, e.type, e.ts, %s, e.video_id, e.product_id, e.watch_ms, "
        "false "
        "FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[], %s::bigint[], "
        "%s::bigint[], %s::integer[]) AS e(client_id, type, ts, video_id, product_id, watch_ms) "
        "ON CONFLICT (actor, client_id) DO NOTHING RETURNING client_id"
    )
    columns = [
        [e.client_id for e in events],
        [e.type for e in events],
        [e.ts for e in events],
        [e.video_id for e in events],
        [e.product_id for e in events],
        [e.watch_ms for e in events],
    ]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [sender.actor, sender.user_id, sender.region, now, *columns])
        return {client_id for (client_id,) in cursor.fetchall()}


def _insert_new_rows(sender: _Sender, events: list[EventIn], now: datetime) -> set[str]:
    """One multi-row INSERT that skips ids already stored."""
    table = Event._meta.db_table
    row = "(" + ", ".join(["%s"] * 11) + ")"
    params: list = []
    for e in events:
        params += [
            sender.actor,
            e.client_id,
            sender.user_id,
            sender.region,
            e.type,
            e.ts,
            now,
            e.video_id,
            e.product_id,
            e.watch_ms,
            False,
        ]
    sql = (
        f"INSERT INTO {table} ({_COLUMNS}) VALUES {', '.join([row] * len(events))} "
        "ON CONFLICT (actor, client_id) DO NOTHING RETURNING client_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {client_id for (client_id,) in cursor.fetchall()}


def _sender(*, user, session_key: str | None) -> _Sender:
    signed_in = user is not None and user.is_authenticated
    return _Sender(
        actor=actor_key(user=user, session_key=session_key),
        user_id=user.pk if signed_in else None,
        # The viewer's region as the event happens, for "popular in your region". No query:
        # a user's region is on the user, an anonymous visitor's is the instance default.
        region=account_selectors.feed_privacy(user).region,
    )


def ingest_events(*, user, session_key: str | None, events: object) -> IngestResult:
    """Stores a batch durably; an id this actor already sent is counted once, as a duplicate.

    With Redis configured, the newly stored events also go to the viewer's recent history and
    their posts' live counters once the transaction commits (a retry adds nothing)."""
    now = timezone.now()
    checked = check_events(events, now=now)
    sender = _sender(user=user, session_key=session_key)
    unique = list({e.client_id: e for e in reversed(checked)}.values())  # first copy wins
    new_ids = _insert_new(sender, unique, now) if unique else set()
    stored = [e for e in unique if e.client_id in new_ids]
    if stored and settings.REDIS_URL:
        transaction.on_commit(partial(_record_live, sender.actor, stored), robust=True)
    return IngestResult(
        accepted=len(stored),
        duplicates=len(checked) - len(stored),
        actor=sender.actor,
        events=unique,
        stored=stored,
    )


def _record_live(actor: str, stored: list[EventIn]) -> None:
    """The viewer's history and the posts' counters in one Redis transaction (both or neither).

    Runs after commit, so Redis never counts an event the table does not hold. If Redis is
    down the events are only in the table: feed pages then read the table, and live counts miss
    these events (the rolled-up PostStats still count them)."""
    interactions = [
        history.Interaction(
            type=e.type, ts=e.ts, video_id=e.video_id, product_id=e.product_id, watch_ms=e.watch_ms
        )
        for e in stored
    ]
    try:
        with history.redis_client().pipeline() as pipe:
            history.queue_record(pipe, actor, interactions)
            counters.queue_increments(pipe, interactions)
            pipe.execute()
    except redis.RedisError as error:
        logger.warning(
            "Redis unreachable, %d events of %s not kept live: %s", len(stored), actor, error
        )


def record_event(
    *,
    user,
    session_key: str | None,
    type: str,
    video_id: int | None = None,
    product_id: int | None = None,
) -> None:
    """An event the server itself observes (a "not interested" tap sent as a form)."""
    ingest_events(
        user=user,
        session_key=session_key,
        events=[
            {
                "id": f"srv-{uuid.uuid4().hex}",
                "type": type,
                "ts": timezone.now().isoformat(),
                "video_id": video_id,
                "product_id": product_id,
            }
        ],
    )


# --- Roll-up ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    posts: dict[int, Counter]  # post id → counter name → increment
    tag_days: Counter  # (hashtag id, day) → views
    creators: Counter  # creator id → views
    creator_days: Counter  # (creator id, day) → views
    region_days: Counter  # (region, post id, day) → views


def _tally(events: list[dict]) -> _Tally:
    posts: dict[int, Counter] = defaultdict(Counter)
    views_by_day: Counter = Counter()  # (post id, day) → views
    views_by_region: Counter = Counter()  # (region, post id, day) → views
    for event in events:
        post_id = event["video_id"]
        if post_id is None:
            continue
        if event["type"] == Event.Type.VIEW_PROGRESS:
            posts[post_id]["watch_ms"] += event["watch_ms"] or 0
        elif event["type"] in COUNTED:
            posts[post_id][COUNTED[event["type"]]] += 1
        if event["type"] == Event.Type.IMPRESSION:
            day = event["ts"].astimezone(UTC).date()
            views_by_day[(post_id, day)] += 1
            if event["region"]:  # events stored before regions were recorded have none
                views_by_region[(event["region"], post_id, day)] += 1
    owners = media_selectors.creators_and_hashtags(posts.keys())
    tag_days: Counter = Counter()
    creators: Counter = Counter()
    creator_days: Counter = Counter()
    for (post_id, day), views in views_by_day.items():
        if post_id not in owners:  # deleted since: nothing to count it on
            continue
        creator_id, hashtag_ids = owners[post_id]
        creators[creator_id] += views
        creator_days[(creator_id, day)] += views
        for hashtag_id in hashtag_ids:
            tag_days[(hashtag_id, day)] += views
    live = {post_id: counts for post_id, counts in posts.items() if post_id in owners}
    region_days = Counter({key: n for key, n in views_by_region.items() if key[1] in owners})
    return _Tally(
        posts=live,
        tag_days=tag_days,
        creators=creators,
        creator_days=creator_days,
        region_days=region_days,
    )


def _apply(tally: _Tally) -> None:
    """Adds the tally to the counters: rows are made if missing, locked in primary-key order
    (two roll-ups in parallel then wait for each other instead of deadlocking), and written
    back with one bulk UPDATE per table instead of one per row."""
    _add_to_posts(tally.posts)
    _add_to_creators(tally.creators)
    _add_to_hashtag_days(tally.tag_days)
    _add_to_creator_days(tally.creator_days)
    _add_to_region_post_days(tally.region_days)


def _add_to_posts(counts: dict[int, Counter]) -> None:
    PostStats.objects.bulk_create(
        [PostStats(post_id=post_id) for post_id in counts], ignore_conflicts=True
    )
    rows = locks.lock_post_stats(list(counts))
    for row in rows:
        for name, amount in counts[row.pk].items():
            setattr(row, name, getattr(row, name) + amount)
    PostStats.objects.bulk_update(rows, POST_COUNTERS, batch_size=500)


def _add_to_creators(views: Counter) -> None:
    CreatorStats.objects.bulk_create(
        [CreatorStats(creator_id=c) for c in views], ignore_conflicts=True
    )
    rows = locks.lock_creator_stats(list(views))
    for row in rows:
        row.views += views[row.pk]
    CreatorStats.objects.bulk_update(rows, ["views"], batch_size=500)


def _add_to_hashtag_days(views: Counter) -> None:
    HashtagDay.objects.bulk_create(
        [HashtagDay(hashtag_id=t, day=d) for t, d in views], ignore_conflicts=True
    )
    rows = locks.lock_hashtag_days(list(views))
    for row in rows:
        row.views += views[(row.hashtag_id, row.day)]
    HashtagDay.objects.bulk_update(rows, ["views"], batch_size=500)


def _add_to_creator_days(views: Counter) -> None:
    CreatorDay.objects.bulk_create(
        [CreatorDay(creator_id=c, day=d) for c, d in views], ignore_conflicts=True
    )
    rows = locks.lock_creator_days(list(views))
    for row in rows:
        row.views += views[(row.creator_id, row.day)]
    CreatorDay.objects.bulk_update(rows, ["views"], batch_size=500)


def _add_to_region_post_days(views: Counter) -> None:
    RegionPostDay.objects.bulk_create(
        [RegionPostDay(region=r, post_id=p, day=d) for r, p, d in views], ignore_conflicts=True
    )
    rows = locks.lock_region_post_days(list(views))
    for row in rows:
        row.views += views[(row.region, row.post_id, row.day)]
    RegionPostDay.objects.bulk_update(rows, ["views"], batch_size=500)


def roll_up_events(*, batch: int = ROLL_UP_BATCH) -> int:
    """Adds events not yet counted to the counters, batch by batch; returns how many.

    Each batch is locked, counted and marked in one transaction, so every event is counted
    exactly once even when two workers run this at the same time (they skip each other's rows).
    """
    total = 0
    while True:
        with transaction.atomic():
            events = locks.lock_events_to_roll_up(limit=batch)
            if not events:
                return total
            _apply(_tally(events))
            Event.objects.filter(pk__in=[e["id"] for e in events]).update(rolled_up=True)
        total += len(events)
