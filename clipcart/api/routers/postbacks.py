"""Conversions reported back by external stores (signed postbacks)."""

from ninja import Router

router = Router(tags=["postbacks"])
