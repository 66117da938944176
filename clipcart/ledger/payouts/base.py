from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class TransferResult:
    """A provider's final answer: sent (with its transfer id) or refused (with why)."""

    ok: bool
    transfer_id: str = ""
    message: str = ""


class ProviderUnavailable(Exception):
    """No answer (a timeout, an outage, a rate limit): the payout stays pending and the next
    run asks again with the same key."""


class PayoutProvider(Protocol):
    name: str

    def check_destination(self, account_ref: str) -> str:
        """The account id, cleaned; raises InvalidInput when it cannot be one of this
        provider's."""
        ...

    def transfer(
        self, *, amount: Decimal, currency: str, destination: str, idempotency_key: str
    ) -> TransferResult: ...
