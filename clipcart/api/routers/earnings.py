"""A creator's earnings: analytics, commissions and their receipts, CSV export."""

from ninja import Router

router = Router(tags=["earnings"])
