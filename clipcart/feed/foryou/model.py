"""The trained For You model, stored in the database and loaded once per process.

Every worker checks the latest model's id at most every CHECK_S seconds (through the cache,
so not a query per page) and unpickles a new one only when it changed.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.core.cache import cache

from ..models import RankerModel
from ..recsys import Engine
from .features import BaseRates
from .outcomes import OutcomeModels

CHECK_S = 30
KEEP = 3  # older models are deleted: a rollback needs one or two, not hundreds
_LATEST_KEY = "feed:ranker:latest"


@dataclass
class LiveModel:
    """What serving needs: the engine (sources and ranker) over the videos it knows, and the
    outcome models. No user ids and no per-user vectors are kept (erasure needs no retrain)."""

    engine: Engine | None
    codes: dict[int, int] = field(default_factory=dict)  # post id → the engine's item code
    posts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # code → id
    outcomes: OutcomeModels = field(default_factory=OutcomeModels)
    trained_at: datetime | None = None

    @property
    def base(self) -> BaseRates:
        return self.outcomes.base


UNTRAINED = LiveModel(engine=None)


def save(model: LiveModel, *, events: int, seconds: float, summary: dict) -> RankerModel:
    row = RankerModel.objects.create(
        events=events,
        items=len(model.codes),
        seconds=seconds,
        summary=summary,
        blob=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
    )
    stale = RankerModel.objects.order_by("-id").values_list("id", flat=True)[KEEP:]
    RankerModel.objects.filter(id__in=list(stale)).delete()
    cache.delete(_LATEST_KEY)
    return row


class _Loaded:
    lock = threading.Lock()
    model_id: int | None = None
    model: LiveModel = UNTRAINED


def current_model() -> LiveModel:
    """The newest trained model, or an untrained one (serving then relies on counters and the
    viewer's affinities alone)."""
    latest = cache.get(_LATEST_KEY)
    if latest is None:
        latest = RankerModel.objects.order_by("-id").values_list("id", flat=True).first() or 0
        cache.set(_LATEST_KEY, latest, timeout=CHECK_S)
    if latest == _Loaded.model_id:
        return _Loaded.model
    with _Loaded.lock:
        if latest != _Loaded.model_id:
            blob = RankerModel.objects.filter(pk=latest).values_list("blob", flat=True).first()
            _Loaded.model = pickle.loads(bytes(blob)) if blob is not None else UNTRAINED
            _Loaded.model_id = latest
    return _Loaded.model
