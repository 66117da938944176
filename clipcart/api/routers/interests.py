"""The interest profile: see, remove, reset, export and erase behavioural data (helper H2)."""

from ninja import Router

router = Router(tags=["interest profile"])
