"""Payout providers: where Clipcart sends money it owes. Clipcart's code sees only the
`PayoutProvider` protocol; each provider is called with an idempotency key, and a repeated key
returns the first transfer instead of making another."""

from __future__ import annotations

from django.conf import settings

from .base import PayoutProvider, ProviderUnavailable, TransferResult
from .stripe_connect import StripeConnectProvider
from .test_provider import TestPayoutProvider

__all__ = [
    "PayoutProvider",
    "ProviderUnavailable",
    "StripeConnectProvider",
    "TestPayoutProvider",
    "TransferResult",
    "default_provider_name",
    "get_provider",
]

_OVERRIDES: dict[str, PayoutProvider] = {}


def default_provider_name() -> str:
    return settings.CLIPCART_PAYOUT_PROVIDER


def get_provider(name: str) -> PayoutProvider:
    if name in _OVERRIDES:
        return _OVERRIDES[name]
    if name == "test":
        return TestPayoutProvider()
    if name == "stripe":
        return StripeConnectProvider(api_key=settings.STRIPE_SECRET_KEY)
    raise ValueError(f"Unknown payout provider {name!r}")


def use_provider(name: str, provider: PayoutProvider | None) -> None:
    """Installs (or with None removes) a provider instance for `name`: tests and tools inject a
    Stripe provider with a recorded HTTP client this way."""
    if provider is None:
        _OVERRIDES.pop(name, None)
    else:
        _OVERRIDES[name] = provider
