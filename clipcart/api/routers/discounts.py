"""Discount codes: shops create them, shoppers apply them to a cart."""

from ninja import Router

router = Router(tags=["discounts"])
