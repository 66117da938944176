"""Creator side of affiliate plans: marketplace, joining, invitations, storefront, links."""

from ninja import Router

router = Router(tags=["collabs"])
