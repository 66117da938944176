"""Row locks of the feed app, taken only by the roll-up, in this order: events, then post stats,
creator stats and hashtag days, each in primary-key order. No other app's rows are locked in
the same transaction, so the feed takes no part in the global lock order."""

from __future__ import annotations

from datetime import date

from .models import CreatorStats, Event, HashtagDay, PostStats


def lock_events_to_roll_up(*, limit: int) -> list:
    """The oldest events not yet counted, locked; rows another roll-up holds are skipped
    (PostgreSQL SKIP LOCKED; SQLite has one writer at a time and ignores the clause)."""
    return list(
        Event.objects.select_for_update(skip_locked=True)
        .filter(rolled_up=False)
        .order_by("id")
        .values("id", "type", "ts", "video_id", "watch_ms")[:limit]
    )


def lock_post_stats(post_ids: list[int]) -> list[PostStats]:
    return list(PostStats.objects.select_for_update().filter(pk__in=post_ids).order_by("pk"))


def lock_creator_stats(creator_ids: list[int]) -> list[CreatorStats]:
    return list(CreatorStats.objects.select_for_update().filter(pk__in=creator_ids).order_by("pk"))


def lock_hashtag_days(keys: list[tuple[int, date]]) -> list[HashtagDay]:
    """The (hashtag, day) rows of `keys`: one query over the hashtags and days involved, then
    the exact pairs (a few extra rows may be locked; none are missed)."""
    wanted = set(keys)
    rows = HashtagDay.objects.select_for_update().filter(
        hashtag_id__in={h for h, _ in keys}, day__in={d for _, d in keys}
    )
    return [row for row in rows.order_by("pk") if (row.hashtag_id, row.day) in wanted]
