"""Row locks of the feed app. Events are the only rows it locks, and nothing else is locked in
the same transaction, so they take no part in the global lock order."""

from __future__ import annotations

from .models import Event


def lock_events_to_roll_up(*, limit: int) -> list:
    """The oldest events not yet counted, locked; rows another roll-up holds are skipped
    (PostgreSQL SKIP LOCKED; SQLite has one writer at a time and ignores the clause)."""
    return list(
        Event.objects.select_for_update(skip_locked=True)
        .filter(rolled_up=False)
        .order_by("id")
        .values("id", "type", "ts", "video_id", "watch_ms")[:limit]
    )
