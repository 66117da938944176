"""The operator's ranking policy for For You: how much each predicted outcome weighs, the share
of slots kept for exploring new videos, and the cap on how shoppable the feed is.

The ranker reads `current_policy()` on every page, so the row is cached; an update drops the
cache, and the short TTL bounds how long another process (a worker with its own local-memory
cache) can serve the old weights.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import transaction

from clipcart.core.errors import InvalidInput, PermissionDenied

from .foryou.features import OUTCOMES
from .models import RankingPolicy

# Far beyond any sensible weight; keeps one typo from drowning every other outcome.
MAX_ABS_WEIGHT = 100.0
SHARE_RANGE = (Decimal("0.05"), Decimal("0.10"))
MAX_PLAIN_WINDOW = 20
CACHE_KEY = "feed:ranking-policy:v1"
CACHE_TTL_S = 10
POLICY_PK = 1


@dataclass(frozen=True)
class Policy:
    weights: dict[str, float]  # outcome → weight, every outcome of OUTCOMES
    exploration_share: float
    plain_min: int  # at least this many videos without a hard sell …
    plain_window: int  # … in every this many consecutive videos


def policy_of(row: RankingPolicy) -> Policy:
    return Policy(
        weights={outcome: float(getattr(row, f"w_{outcome}")) for outcome in OUTCOMES},
        exploration_share=float(row.exploration_share),
        plain_min=row.plain_min,
        plain_window=row.plain_window,
    )


def _row() -> RankingPolicy:
    # The model's defaults are the shipped policy; the first reader creates the one row.
    row, _ = RankingPolicy.objects.get_or_create(pk=POLICY_PK)
    return row


def current_policy() -> Policy:
    """The policy in force (at most CACHE_TTL_S old in another process; fresh in this one
    right after an update)."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return Policy(**cached)
    policy = policy_of(_row())
    # A plain dict, not the dataclass: a cached pickle must survive a deploy that changes it.
    cache.set(CACHE_KEY, asdict(policy), CACHE_TTL_S)
    return policy


def policy_row() -> RankingPolicy:
    """The row itself, with who changed it last (for the operator's page and API)."""
    _row()
    return RankingPolicy.objects.select_related("updated_by").get(pk=POLICY_PK)


# --- Validation ---------------------------------------------------------------------------------


def _number(value: Any, *, field: str) -> float:
    # bool is an int to Python, but `true` as a weight is a client bug, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidInput(f"{field} must be a number.", field=field)
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{field} must be a finite number.", field=field)
    return number


def _weight(value: Any, *, outcome: str) -> float:
    field = f"weights.{outcome}"
    weight = _number(value, field=field)
    if abs(weight) > MAX_ABS_WEIGHT:
        raise InvalidInput(f"{field} must be between -100 and 100.", field=field)
    if outcome == "negative" and weight > 0:
        raise InvalidInput("Negative feedback must weigh against a video (0 or less).", field=field)
    return weight


def _share(value: Any) -> Decimal:
    field = "exploration_share"
    number = _number(value, field=field)
    try:
        share = Decimal(str(number))
    except InvalidOperation:  # pragma: no cover - a finite float always converts
        raise InvalidInput("exploration_share must be a number.", field=field) from None
    if not SHARE_RANGE[0] <= share <= SHARE_RANGE[1]:
        raise InvalidInput("exploration_share must be between 0.05 and 0.10.", field=field)
    if share != share.quantize(Decimal("0.01")):
        raise InvalidInput("exploration_share takes whole percents (0.05 … 0.10).", field=field)
    return share.quantize(Decimal("0.01"))


def _whole(value: Any, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number.", field=field)
    return value


def check_changes(*, row: RankingPolicy, changes: dict) -> dict[str, Any]:
    """The model fields to set for `changes` (a subset of {"weights": {outcome: number},
    "exploration_share", "plain_min", "plain_window"}); raises InvalidInput naming the first
    bad field. The cap is checked against the values it would have after the change."""
    if not isinstance(changes, dict):
        raise InvalidInput("Send an object of changes.")
    fields: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "weights":
            if not isinstance(value, dict):
                raise InvalidInput("weights must be an object.", field="weights")
            for outcome, weight in value.items():
                if outcome not in OUTCOMES:
                    raise InvalidInput(f"Unknown outcome {outcome!r}.", field=f"weights.{outcome}")
                fields[f"w_{outcome}"] = _weight(weight, outcome=outcome)
        elif key == "exploration_share":
            fields["exploration_share"] = _share(value)
        elif key in ("plain_min", "plain_window"):
            fields[key] = _whole(value, field=key)
        else:
            raise InvalidInput(f"Unknown setting {key!r}.", field=str(key))
    window = fields.get("plain_window", row.plain_window)
    if not 1 <= window <= MAX_PLAIN_WINDOW:
        raise InvalidInput("plain_window must be between 1 and 20.", field="plain_window")
    plain_min = fields.get("plain_min", row.plain_min)
    if not 0 <= plain_min <= window:
        raise InvalidInput(
            f"plain_min must be between 0 and plain_window ({window}).", field="plain_min"
        )
    return fields


def update_policy(*, operator, changes: dict) -> Policy:
    """Applies `changes` (see check_changes) for a staff member; every process serves the new
    policy within CACHE_TTL_S, this one at once."""
    if not getattr(operator, "is_authenticated", False) or not operator.is_staff:
        raise PermissionDenied("Only operators change the ranking policy.", code="not_operator")
    with transaction.atomic():
        _row()
        # Locked so two operators' partial changes cannot interleave their cap checks.
        row = RankingPolicy.objects.select_for_update().get(pk=POLICY_PK)
        for name, value in check_changes(row=row, changes=changes).items():
            setattr(row, name, value)
        row.updated_by = operator
        row.save()
        cache.delete(CACHE_KEY)
        # Dropped again once committed: a reader between the first delete and the commit
        # would have cached the old row.
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    return policy_of(row)
