"""Predicting what a viewer will do with a video, and turning that into one score.

One LightGBM classifier per outcome (completion, like, share, follow, anchor click, add to
cart, purchase, negative feedback) over the same features. An outcome with too few positive
examples to learn from falls back to the video's smoothed rate, raised or lowered by the
viewer's affinity to it, so a small instance still ranks sensibly.

The score is the operator's weighted sum of each predicted outcome divided by its platform
rate (a lift: 1.0 is an ordinary video). Completion is divided by the completion rate of videos
of the same length, so neither short nor long videos win just for their length. Negative
feedback carries a large negative weight. A sold-out video's shopping outcomes count for
nothing (out-of-stock products are not promoted), as do those of a video without products.

Serving predicts a page's few hundred candidates on the request's own thread: LightGBM's default
spreads every prediction over all cores with OpenMP, which for so few rows costs more than it
saves, and under concurrent requests the threads' teams fight for the cores (tens of ms a page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm
import numpy as np

from .catalogue import Columns, Video
from .features import COMMERCE, COUNTED, OUTCOMES, BaseRates, column, length_buckets

MIN_POSITIVES = 30
TREES = 120
PREDICT_THREADS = 1  # see the module's docstring; each row's prediction is the same either way
# How far the viewer's affinity moves the fallback prediction (a factor of e^±1.5 at most).
FALLBACK_AFFINITY_GAIN = 4.0
FALLBACK_MAX_LIFT = 1.5


@dataclass
class OutcomeModels:
    base: BaseRates = field(default_factory=BaseRates)
    boosters: dict[str, lightgbm.Booster] = field(default_factory=dict)
    positives: dict[str, int] = field(default_factory=dict)

    def predict(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Probability of each outcome for each row."""
        predictions = {}
        for outcome in OUTCOMES:
            booster = self.boosters.get(outcome)
            if booster is not None and len(features):
                predicted = booster.predict(features, num_threads=PREDICT_THREADS)
                predictions[outcome] = np.asarray(predicted, dtype=np.float64)
            else:
                predictions[outcome] = self._fallback(outcome, features)
        return predictions

    def prior(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Every outcome as the fallback guesses it (the video's smoothed rate moved by the
        viewer's affinity): a few array operations, used to shortlist candidates."""
        return {outcome: self._fallback(outcome, features) for outcome in OUTCOMES}

    def _fallback(self, outcome: str, features: np.ndarray) -> np.ndarray:
        if outcome in COUNTED:
            rate = features[:, column(f"rate_{outcome}")].astype(np.float64)
        else:
            rate = np.full(len(features), self.base.overall[outcome])
        affinity = (
            features[:, column("tag_affinity_max")]
            + features[:, column("creator_affinity")]
            + features[:, column("category_affinity")]
            + 0.5 * features[:, column("follows_creator")]
            - 0.5 * features[:, column("disliked_tag")]
        ).astype(np.float64)
        sign = -1.0 if outcome == "negative" else 1.0
        lift = np.clip(sign * FALLBACK_AFFINITY_GAIN * affinity, -1.0, FALLBACK_MAX_LIFT)
        return np.clip(rate * np.exp(lift), 0.0, 1.0)


def train_outcomes(
    features: np.ndarray, labels: dict[str, np.ndarray], base: BaseRates, *, threads: int = 2
) -> OutcomeModels:
    models = OutcomeModels(base=base)
    for outcome in OUTCOMES:
        positives = int(labels[outcome].sum())
        models.positives[outcome] = positives
        if positives < MIN_POSITIVES or positives == len(labels[outcome]):
            continue
        params = {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 15,
            "min_data_in_leaf": 20,
            "min_sum_hessian_in_leaf": 1.0,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "num_threads": threads,
            "seed": 7,
            "deterministic": True,
            "verbosity": -1,
        }
        data = lightgbm.Dataset(features, label=labels[outcome].astype(np.int32))
        models.boosters[outcome] = lightgbm.train(params, data, num_boost_round=TREES)
    return models


@dataclass(frozen=True)
class Scored:
    """A candidate's score and each outcome's weighted term (the "why" of its rank)."""

    score: float
    terms: dict[str, float]


def value(
    predictions: dict[str, np.ndarray],
    videos: list[Video],
    *,
    weights: dict[str, float],
    base: BaseRates,
) -> list[Scored]:
    """The weighted sum of lifts for each video (row order of `predictions`)."""
    scores, terms = value_columns(predictions, Columns.of(videos), weights=weights, base=base)
    return [
        Scored(score, dict(zip(OUTCOMES, row, strict=True)))
        for score, row in zip(scores, terms.tolist(), strict=True)
    ]


def value_columns(
    predictions: dict[str, np.ndarray],
    columns: Columns,
    *,
    weights: dict[str, float],
    base: BaseRates,
) -> tuple[list[float], np.ndarray]:
    """`value` for all the videos at once: each video's score, and its weighted term of each
    outcome (V × OUTCOMES). The same operations in the same order as one video at a time:
    terms added left to right from 0, the score rounded by Python's round()."""
    no_commerce = columns.sold_out | ~columns.has_products
    buckets = length_buckets(columns.duration_ms)
    terms = np.zeros((len(columns), len(OUTCOMES)))
    total = np.zeros(len(columns))
    for index, outcome in enumerate(OUTCOMES):
        if outcome == "completion":
            rate = np.array(base.completion_by_length, dtype=np.float64)[buckets]
        else:
            rate = np.full(len(columns), base.overall[outcome])
        lift = np.asarray(predictions[outcome], dtype=np.float64) / np.maximum(rate, 1e-6)
        term = weights[outcome] * np.minimum(lift, 10.0)
        if outcome in COMMERCE:
            term = np.where(no_commerce, 0.0, term)
        terms[:, index] = term
        total = total + term
    return [round(score, 9) for score in total.tolist()], terms
