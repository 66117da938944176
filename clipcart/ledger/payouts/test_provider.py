"""A payout provider in a box, with its own tables (what a real provider keeps on its side) and
an idempotency log. Destinations look like "test:<anything>"; "test:closed" refuses transfers,
as a closed bank account would."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from decimal import Decimal

from django.db import IntegrityError, transaction

from clipcart.core.errors import InvalidInput

from ..models import TestPayoutRequest, TestPayoutTransfer
from .base import TransferResult

CLOSED = "test:closed"


class TestPayoutProvider:
    __test__ = False  # a test double's name, not a pytest test class

    name = "test"

    def check_destination(self, account_ref: str) -> str:
        ref = (account_ref or "").strip()
        if not ref.startswith("test:") or not 6 <= len(ref) <= 80:
            raise InvalidInput(
                'A test payout destination looks like "test:my-bank".', field="account_ref"
            )
        return ref

    def transfer(
        self, *, amount: Decimal, currency: str, destination: str, idempotency_key: str
    ) -> TransferResult:
        previous = TestPayoutRequest.objects.filter(idempotency_key=idempotency_key).first()
        if previous is not None:
            return TransferResult(**previous.response)
        try:
            with transaction.atomic():
                result = self._perform(amount=amount, currency=currency, destination=destination)
                TestPayoutRequest.objects.create(
                    idempotency_key=idempotency_key, response=asdict(result)
                )
        except IntegrityError:  # the same request raced us; its answer is the answer
            previous = TestPayoutRequest.objects.get(idempotency_key=idempotency_key)
            return TransferResult(**previous.response)
        return result

    def _perform(self, *, amount: Decimal, currency: str, destination: str) -> TransferResult:
        if destination == CLOSED:
            return TransferResult(ok=False, message="The destination account is closed.")
        if amount <= 0:
            return TransferResult(ok=False, message="A transfer must be positive.")
        transfer = TestPayoutTransfer.objects.create(
            transfer_id="tr_test_" + secrets.token_hex(12),
            destination=destination,
            amount=amount,
            currency=currency,
        )
        return TransferResult(ok=True, transfer_id=transfer.transfer_id)
