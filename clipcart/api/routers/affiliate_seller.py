"""Seller side of affiliate plans: plans, terms, invitations, requests, analytics."""

from ninja import Router

router = Router(tags=["affiliate_seller"])
