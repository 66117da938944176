"""The operator's For You ranking policy: outcome weights, exploration share, shoppable cap.

Staff only (others get 403). PATCH takes any subset of the fields GET answers; types are
checked here, ranges by the policy service, and either way a bad field is a 422 naming it."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema
from pydantic import ConfigDict, StrictFloat, StrictInt

from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.core.errors import PermissionDenied
from clipcart.feed import policy

router = Router(tags=["operator"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class WeightsOut(Schema):
    completion: float
    like: float
    share: float
    follow: float
    anchor_click: float
    add_to_cart: float
    purchase: float
    negative: float = Field(..., description="Not interested / quick skip; 0 or less.")


class RankingPolicyOut(Schema):
    weights: WeightsOut
    exploration_share: float = Field(..., description="Share of slots for new videos, 0.05–0.10.")
    plain_min: int = Field(..., description="At least this many videos without a hard sell …")
    plain_window: int = Field(..., description="… in every this many consecutive videos (1–20).")
    updated_at: datetime
    updated_by: str | None = Field(..., description="Handle of the operator who changed it last.")


class WeightsPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    completion: StrictFloat | None = None
    like: StrictFloat | None = None
    share: StrictFloat | None = None
    follow: StrictFloat | None = None
    anchor_click: StrictFloat | None = None
    add_to_cart: StrictFloat | None = None
    purchase: StrictFloat | None = None
    negative: StrictFloat | None = None


class RankingPolicyPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    weights: WeightsPatch | None = None
    exploration_share: StrictFloat | None = None
    plain_min: StrictInt | None = None
    plain_window: StrictInt | None = None


def _answer() -> dict:
    row = policy.policy_row()
    current = policy.policy_of(row)
    return {
        "weights": current.weights,
        "exploration_share": current.exploration_share,
        "plain_min": current.plain_min,
        "plain_window": current.plain_window,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by.username if row.updated_by else None,
    }


def _operator(request):
    if not request.auth.is_staff:
        raise PermissionDenied("Only operators see the ranking policy.", code="not_operator")
    return request.auth


@router.get("/operator/ranking-policy", response={200: RankingPolicyOut, **ERRORS})
def get_ranking_policy(request):
    _operator(request)
    return _answer()


@router.patch("/operator/ranking-policy", response={200: RankingPolicyOut, **ERRORS})
def patch_ranking_policy(request, payload: RankingPolicyPatch):
    # Only what was sent: an explicit null reaches the service, which names it as invalid.
    policy.update_policy(operator=_operator(request), changes=payload.dict(exclude_unset=True))
    return _answer()
