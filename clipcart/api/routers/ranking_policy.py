"""The operator's For You ranking policy: outcome weights, exploration share, shoppable cap."""

from ninja import Router

router = Router(tags=["operator"])
