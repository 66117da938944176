"""Feed privacy: the personalization choice, birth date and region (helper H1)."""

from ninja import Router

router = Router(tags=["feed privacy"])
