"""A viewer's recent interactions, as the For You ranker reads them on every page.

Two stores with one interface: the event table (the embedded default) and, when REDIS_URL is
set, a capped Redis list per viewer written at ingestion, so a feed page reads one key instead
of an index range scan. Either way a viewer's newest events shape their very next page.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis
from django.conf import settings
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from .models import Event

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 300
HISTORY_WINDOW = timedelta(days=30)
# A feed page waits at most this long for Redis before it reads the table instead.
REDIS_TIMEOUT_S = 0.5
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Interaction:
    """One event of a viewer about a video or a product, as the ranker needs it."""

    type: str
    ts: datetime
    video_id: int | None
    product_id: int | None
    watch_ms: int | None


class HistoryStore(Protocol):
    def recent(
        self, actor: str, *, since: datetime | None = None, limit: int = HISTORY_LIMIT
    ) -> list[Interaction]:
        """The actor's newest interactions first, at most `limit`, none before `since`."""
        ...

    def record(self, actor: str, interactions: list[Interaction]) -> None:
        """Adds newly stored events (each once) to the actor's history."""
        ...

    def forget(self, actor: str) -> None:
        """Drops everything kept for the actor (erasure)."""
        ...


def _oldest(since: datetime | None) -> datetime:
    oldest = timezone.now() - HISTORY_WINDOW
    return since if since is not None and since > oldest else oldest


class DatabaseHistory:
    """Reads the event table itself: always exact, one indexed query per page."""

    def recent(
        self, actor: str, *, since: datetime | None = None, limit: int = HISTORY_LIMIT
    ) -> list[Interaction]:
        rows = (
            Event.objects.filter(actor=actor, ts__gte=_oldest(since))
            .order_by("-ts", "-id")
            .values_list("type", "ts", "video_id", "product_id", "watch_ms")[:limit]
        )
        return [Interaction(*row) for row in rows]

    def record(self, actor: str, interactions: list[Interaction]) -> None:
        """Nothing to do: the events are already in the table."""

    def forget(self, actor: str) -> None:
        """Nothing to do: erasure deletes the events themselves."""


# --- Redis --------------------------------------------------------------------------------------


@functools.cache
def _client_for(url: str) -> redis.Redis:
    # One connection pool per process and URL. redis-py's default retries ten times with
    # backoff (seconds when the server is down); one immediate retry is enough to replace a
    # stale pooled connection, and then the caller falls back to the table.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        socket_timeout=REDIS_TIMEOUT_S,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


def redis_client() -> redis.Redis:
    """The process's client for settings.REDIS_URL (which must be set)."""
    return _client_for(settings.REDIS_URL)


# One letter per event type keeps an entry around 30 bytes: "c,1714600000123456,42,,".
_CODES = {
    Event.Type.IMPRESSION: "i",
    Event.Type.VIEW_PROGRESS: "v",
    Event.Type.COMPLETE: "c",
    Event.Type.LIKE: "l",
    Event.Type.SHARE: "s",
    Event.Type.FOLLOW: "f",
    Event.Type.ANCHOR_CLICK: "a",
    Event.Type.ADD_TO_CART: "t",
    Event.Type.PURCHASE: "p",
    Event.Type.NOT_INTERESTED: "n",
}
_TYPES = {code: str(kind) for kind, code in _CODES.items()}


def _encode(item: Interaction) -> str:
    micros = (item.ts - EPOCH) // timedelta(microseconds=1)
    fields = (item.video_id, item.product_id, item.watch_ms)
    return ",".join(
        [_CODES[Event.Type(item.type)], str(micros), *("" if f is None else str(f) for f in fields)]
    )


def _optional(text: str) -> int | None:
    return int(text) if text else None


def _decode(raw: bytes | str) -> Interaction:
    text = raw.decode() if isinstance(raw, bytes) else raw
    code, micros, video_id, product_id, watch_ms = text.split(",")
    return Interaction(
        type=_TYPES[code],
        ts=EPOCH + timedelta(microseconds=int(micros)),
        video_id=_optional(video_id),
        product_id=_optional(product_id),
        watch_ms=_optional(watch_ms),
    )


def history_key(actor: str) -> str:
    return f"feed:h:{actor}"


class RedisHistory:
    """A list per viewer, newest received first, capped at HISTORY_LIMIT entries and expiring
    HISTORY_WINDOW after the viewer's last event (by then every entry is outside the window).

    Ingestion records each newly stored event once, after its transaction commits, so the list
    never holds an event the table lacks. Reads that find Redis unreachable fall back to the
    table: a feed page must never fail because Redis did."""

    def __init__(self, client: redis.Redis | None = None) -> None:
        self.client = client or redis_client()

    def recent(
        self, actor: str, *, since: datetime | None = None, limit: int = HISTORY_LIMIT
    ) -> list[Interaction]:
        try:
            raw = self.client.lrange(history_key(actor), 0, HISTORY_LIMIT - 1)
        except redis.RedisError as error:
            logger.warning("Redis unreachable, history of %s read from the table: %s", actor, error)
            return DatabaseHistory().recent(actor, since=since, limit=limit)
        oldest = _oldest(since)
        items = [item for item in map(_decode, raw) if item.ts >= oldest]
        # A phone that was offline sends old events late: order by when they happened. The
        # sort is stable, so events of the same instant keep the newest-received-first order.
        items.sort(key=lambda item: item.ts, reverse=True)
        return items[:limit]

    def record(self, actor: str, interactions: list[Interaction]) -> None:
        with self.client.pipeline() as pipe:
            queue_record(pipe, actor, interactions)
            pipe.execute()

    def forget(self, actor: str) -> None:
        """Raises redis.RedisError when Redis is unreachable: an erasure must not report
        success while a copy of the history remains."""
        self.client.delete(history_key(actor))


def queue_record(pipe: redis.client.Pipeline, actor: str, interactions: list[Interaction]) -> None:
    """Adds `interactions` (newly stored, each once) to the actor's list in `pipe`, so a batch
    and its counters go to Redis in one round trip."""
    if not interactions:
        return
    key = history_key(actor)
    # Oldest pushed first, so the newest ends at the head; a batch larger than the cap keeps
    # only its newest entries anyway.
    ordered = sorted(interactions, key=lambda item: item.ts)[-HISTORY_LIMIT:]
    pipe.lpush(key, *map(_encode, ordered))
    pipe.ltrim(key, 0, HISTORY_LIMIT - 1)
    pipe.expire(key, HISTORY_WINDOW)


def history_store() -> HistoryStore:
    """Redis when REDIS_URL is set (kept by ingestion), else the event table."""
    if settings.REDIS_URL:
        return RedisHistory()
    return DatabaseHistory()
