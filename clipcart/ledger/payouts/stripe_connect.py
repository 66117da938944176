"""Stripe Connect payouts: a Transfer from the platform's balance to a connected account
(`acct_…`), through Stripe's own client, with Clipcart's payout key as Stripe's idempotency key
(Stripe answers a repeated key with the first transfer). The HTTP client is injectable, so tests
replay recorded answers without the network."""

from __future__ import annotations

import re
from decimal import Decimal

import stripe

from clipcart.core.errors import InvalidInput
from clipcart.payments.minor_units import to_minor_units

from .base import ProviderUnavailable, TransferResult

ACCOUNT_ID = re.compile(r"^acct_[A-Za-z0-9]{6,40}$")


class StripeConnectProvider:
    name = "stripe"

    def __init__(self, *, api_key: str, http_client: stripe.HTTPClient | None = None):
        self.api_key = api_key
        self.http_client = http_client

    def check_destination(self, account_ref: str) -> str:
        ref = (account_ref or "").strip()
        if not ACCOUNT_ID.match(ref):
            raise InvalidInput(
                "A Stripe payout destination is a connected account id such as acct_1A2b3C.",
                field="account_ref",
            )
        return ref

    def _client(self) -> stripe.StripeClient:
        if not self.api_key:
            raise ProviderUnavailable("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
        return stripe.StripeClient(
            self.api_key, http_client=self.http_client, max_network_retries=0
        )

    def transfer(
        self, *, amount: Decimal, currency: str, destination: str, idempotency_key: str
    ) -> TransferResult:
        try:
            transfer = self._client().v1.transfers.create(
                params={
                    "amount": to_minor_units(amount, currency),
                    "currency": currency.lower(),
                    "destination": destination,
                    "metadata": {"clipcart_payout": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except (
            stripe.APIConnectionError,
            stripe.RateLimitError,
            stripe.APIError,
            stripe.AuthenticationError,
        ) as error:
            raise ProviderUnavailable(str(error)) from error
        except stripe.StripeError as error:  # a refusal: a bad account, insufficient funds
            return TransferResult(ok=False, message=(error.user_message or str(error))[:300])
        return TransferResult(ok=True, transfer_id=transfer.id)
