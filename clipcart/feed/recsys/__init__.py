"""The feed's recommender engine, free of Django: interaction data, candidate sources, a learned
ranker, baselines and the leave-one-out evaluation. `clipcart recommend-offline` and
`clipcart recommend-evaluate` drive it on CSV logs; the live feed will drive the same engine on
its event log."""

import logging

# faiss logs each CPU-specific build it fails to load before the one that works: noise in a
# command's output, so only its warnings are kept. Set before any module here imports faiss.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)

from .data import Interactions, Split, UserBatch, build_interactions, leave_last_out  # noqa: E402
from .engine import Engine, EngineConfig  # noqa: E402
from .log import (  # noqa: E402
    InteractionLog,
    LogError,
    read_log,
    write_log,
    write_recommendations,
)

__all__ = [
    "Engine",
    "EngineConfig",
    "InteractionLog",
    "Interactions",
    "LogError",
    "Split",
    "UserBatch",
    "build_interactions",
    "leave_last_out",
    "read_log",
    "write_log",
    "write_recommendations",
]
