"""Row locks of the feed app, taken only by the roll-up, in this order: events, then post stats,
creator stats, hashtag days, creator days and region post days, each in primary-key order. No
other app's rows are locked in the same transaction, so the feed takes no part in the global
lock order."""

from __future__ import annotations

from datetime import date

from .models import (
    CreatorDay,
    CreatorStats,
    Event,
    Exploration,
    HashtagDay,
    PostStats,
    RegionPostDay,
)


def lock_events_to_roll_up(*, limit: int) -> list:
    """The oldest events not yet counted, locked; rows another roll-up holds are skipped
    (PostgreSQL SKIP LOCKED; SQLite has one writer at a time and ignores the clause)."""
    return list(
        Event.objects.select_for_update(skip_locked=True)
        .filter(rolled_up=False)
        .order_by("id")
        .values("id", "type", "ts", "video_id", "watch_ms", "region")[:limit]
    )


def lock_post_stats(post_ids: list[int]) -> list[PostStats]:
    return list(PostStats.objects.select_for_update().filter(pk__in=post_ids).order_by("pk"))


def lock_creator_stats(creator_ids: list[int]) -> list[CreatorStats]:
    return list(CreatorStats.objects.select_for_update().filter(pk__in=creator_ids).order_by("pk"))


def _lock_day_rows(model, owner: str, keys: list[tuple[int, date]]) -> list:
    """The (owner, day) rows of `keys`: one query over the owners and days involved, then the
    exact pairs (a few extra rows may be locked; none are missed)."""
    wanted = set(keys)
    rows = model.objects.select_for_update().filter(
        **{f"{owner}_id__in": {o for o, _ in keys}, "day__in": {d for _, d in keys}}
    )
    return [row for row in rows.order_by("pk") if (getattr(row, f"{owner}_id"), row.day) in wanted]


def lock_hashtag_days(keys: list[tuple[int, date]]) -> list[HashtagDay]:
    return _lock_day_rows(HashtagDay, "hashtag", keys)


def lock_creator_days(keys: list[tuple[int, date]]) -> list[CreatorDay]:
    return _lock_day_rows(CreatorDay, "creator", keys)


def lock_region_post_days(keys: list[tuple[str, int, date]]) -> list[RegionPostDay]:
    """The (region, post, day) rows of `keys`, narrowed as in `_lock_day_rows`."""
    wanted = set(keys)
    rows = RegionPostDay.objects.select_for_update().filter(
        region__in={r for r, _, _ in keys},
        post_id__in={p for _, p, _ in keys},
        day__in={d for _, _, d in keys},
    )
    return [row for row in rows.order_by("pk") if (row.region, row.post_id, row.day) in wanted]


def lock_exploring() -> list[Exploration]:
    """The exploring rows, locked in primary-key order; rows another run holds are skipped
    (PostgreSQL SKIP LOCKED; SQLite has one writer at a time), so two runs never add the same
    counts twice."""
    return list(
        Exploration.objects.select_for_update(skip_locked=True)
        .filter(status=Exploration.Status.EXPLORING)
        .order_by("pk")
    )
