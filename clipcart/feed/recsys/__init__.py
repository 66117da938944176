"""The feed's recommender engine, free of Django: interaction data, candidate sources, a learned
ranker, baselines and the leave-one-out evaluation. `clipcart recommend-offline` and
`clipcart recommend-evaluate` drive it on CSV logs; the live feed will drive the same engine on
its event log."""

from .data import Interactions, Split, UserBatch, build_interactions, leave_last_out
from .engine import Engine, EngineConfig
from .log import InteractionLog, LogError, read_log, write_log, write_recommendations

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
