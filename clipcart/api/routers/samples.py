"""Free samples: offers, requests, shipping, the video that is due."""

from ninja import Router

router = Router(tags=["samples"])
