"""The feed's rules, applied while a page is filled slot by slot from the ranked candidates:

- no two consecutive videos by one creator (where any other candidate allows it);
- the shoppable cap: at least `plain_min` of every `plain_window` consecutive videos are not a
  hard sell (no tagged products, not a paid partnership) — the balance between entertainment and
  commerce. It holds while any video without a hard sell is left to show; once none is, the
  feed goes on with the rest instead of ending (a catalogue of only shoppable videos cannot be
  balanced by ordering it);
- a fixed share of slots kept for exploration, at the same positions for everyone
  (`exploration_slot`), so the share holds over a session whatever the page size.

Videos completed in the last day, marked "not interested" or already served in this session
never reach here (the caller leaves them out). The state that spans pages (position, last
creator, the last few hard-sell flags) travels in the cursor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pick:
    post_id: int
    creator_id: int
    hard_sell: bool
    explored: bool = False


@dataclass
class Run:
    """Where the session is: the next slot's position, the last creator shown and whether
    each of the last few videos was a hard sell (oldest first)."""

    position: int = 0
    last_creator: int | None = None
    recent_hard: list[bool] = field(default_factory=list)


def exploration_slot(position: int, share: float) -> bool:
    """True for ⌊share × n⌋ of the first n positions, evenly spread."""
    return math.floor((position + 1) * share) > math.floor(position * share)


def exploration_slots(start: int, size: int, share: float) -> int:
    return sum(exploration_slot(p, share) for p in range(start, start + size))


def _hard_sell_allowed(run: Run, *, plain_min: int, plain_window: int) -> bool:
    """Whether the cap lets the next slot be a hard sell."""
    window = [*run.recent_hard[-(plain_window - 1) :], True] if plain_window > 1 else [True]
    return sum(window) <= plain_window - plain_min


def _first(candidates: list[Pick], allowed) -> Pick | None:
    return next((pick for pick in candidates if allowed(pick)), None)


def fill(
    ranked: list[Pick],
    explored: list[Pick],
    *,
    run: Run,
    size: int,
    share: float,
    plain_min: int,
    plain_window: int,
) -> list[Pick]:
    """Up to `size` picks in order; `run` is advanced past them."""
    ranked, explored = list(ranked), list(explored)
    page: list[Pick] = []
    while len(page) < size:
        # Once per slot: the candidates' checks below run hundreds of times a page.
        hard_ok = _hard_sell_allowed(run, plain_min=plain_min, plain_window=plain_window)

        def capped(pick: Pick, hard_ok: bool = hard_ok) -> bool:
            return hard_ok or not pick.hard_sell

        def spread(pick: Pick) -> bool:
            return capped(pick) and pick.creator_id != run.last_creator

        pick = None
        if exploration_slot(run.position, share):
            pick = _first(explored, spread)
        pick = pick or _first(ranked, spread) or _first(ranked, capped)
        # Nothing passes the cap only when no video without a hard sell is left at all: the
        # feed then goes on with the best of the rest rather than ending.
        pick = pick or _first(ranked, lambda p: p.creator_id != run.last_creator)
        pick = pick or (ranked[0] if ranked else None)
        if pick is None:
            break
        for pool in (ranked, explored):
            pool[:] = [p for p in pool if p.post_id != pick.post_id]
        page.append(pick)
        run.position += 1
        run.last_creator = pick.creator_id
        run.recent_hard = [*run.recent_hard, pick.hard_sell][-max(plain_window - 1, 1) :]
    return page
