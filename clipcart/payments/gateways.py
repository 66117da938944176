"""Payment gateways. Each one talks to a provider; Clipcart's code sees only this interface.

Every call carries an idempotency key, as real providers require, so a retried call after a
timeout can never charge, capture or refund twice.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Protocol

from django.db import IntegrityError, transaction

from .models import TestGatewayCharge, TestGatewayRequest


@dataclass(frozen=True)
class GatewayResponse:
    ok: bool
    charge_id: str = ""
    status: str = ""
    decline_code: str = ""
    message: str = ""
    amount_refunded: str = "0.00"  # the charge's running refunded total, as a decimal string


class Gateway(Protocol):
    name: str

    def authorize(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str
    ) -> GatewayResponse: ...

    def capture(self, *, charge_id: str, idempotency_key: str) -> GatewayResponse: ...

    def void(self, *, charge_id: str, idempotency_key: str) -> GatewayResponse: ...

    def refund(
        self, *, charge_id: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResponse: ...


class TestGateway:
    """A provider in a box, with Stripe's test tokens: `tok_visa` succeeds and
    `tok_chargeDeclined` is declined. Authorize, capture, void and refund follow a real
    provider's rules (no capture after void, no refund beyond the captured amount)."""

    __test__ = False  # a test double's name, not a pytest test class

    name = "test"
    TOKENS = {
        "tok_visa": None,
        "tok_mastercard": None,
        "tok_chargeDeclined": "card_declined",
        "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
    }

    def _once(self, key: str, operation: str, perform) -> GatewayResponse:
        previous = TestGatewayRequest.objects.filter(idempotency_key=key).first()
        if previous is not None:
            return GatewayResponse(**previous.response)
        try:
            with transaction.atomic():
                response = perform()
                TestGatewayRequest.objects.create(
                    idempotency_key=key, operation=operation, response=asdict(response)
                )
        except IntegrityError:  # the same request raced us; its answer is the answer
            previous = TestGatewayRequest.objects.get(idempotency_key=key)
            return GatewayResponse(**previous.response)
        return response

    def authorize(self, *, amount, currency, token, idempotency_key) -> GatewayResponse:
        def perform() -> GatewayResponse:
            if token not in self.TOKENS:
                return GatewayResponse(
                    ok=False,
                    status="failed",
                    decline_code="invalid_token",
                    message="No such payment token.",
                )
            decline = self.TOKENS[token]
            if decline:
                return GatewayResponse(
                    ok=False,
                    status="declined",
                    decline_code=decline,
                    message="Your card was declined.",
                )
            charge = TestGatewayCharge.objects.create(
                charge_id="ch_test_" + secrets.token_hex(12),
                amount=amount,
                currency=currency,
                status="authorized",
            )
            return GatewayResponse(ok=True, charge_id=charge.charge_id, status="authorized")

        return self._once(idempotency_key, "authorize", perform)

    def _locked_charge(self, charge_id: str) -> TestGatewayCharge | None:
        return TestGatewayCharge.objects.select_for_update().filter(charge_id=charge_id).first()

    def capture(self, *, charge_id, idempotency_key) -> GatewayResponse:
        def perform() -> GatewayResponse:
            charge = self._locked_charge(charge_id)
            if charge is None or charge.status != "authorized":
                return GatewayResponse(
                    ok=False,
                    charge_id=charge_id,
                    status="failed",
                    message="Charge cannot be captured.",
                )
            charge.status, charge.amount_captured = "captured", charge.amount
            charge.save(update_fields=["status", "amount_captured"])
            return GatewayResponse(ok=True, charge_id=charge_id, status="captured")

        return self._once(idempotency_key, "capture", perform)

    def void(self, *, charge_id, idempotency_key) -> GatewayResponse:
        def perform() -> GatewayResponse:
            charge = self._locked_charge(charge_id)
            if charge is None or charge.status != "authorized":
                return GatewayResponse(
                    ok=False,
                    charge_id=charge_id,
                    status="failed",
                    message="Only an authorized charge can be voided.",
                )
            charge.status = "voided"
            charge.save(update_fields=["status"])
            return GatewayResponse(ok=True, charge_id=charge_id, status="voided")

        return self._once(idempotency_key, "void", perform)

    def refund(self, *, charge_id, amount, idempotency_key) -> GatewayResponse:
        def perform() -> GatewayResponse:
            charge = self._locked_charge(charge_id)
            if charge is None or charge.status not in {"captured", "partially_refunded"}:
                return GatewayResponse(
                    ok=False,
                    charge_id=charge_id,
                    status="failed",
                    message="Only a captured charge can be refunded.",
                )
            if amount <= 0 or charge.amount_refunded + amount > charge.amount_captured:
                return GatewayResponse(
                    ok=False,
                    charge_id=charge_id,
                    status="failed",
                    message="Refund exceeds the captured amount.",
                )
            charge.amount_refunded += amount
            charge.status = (
                "refunded"
                if charge.amount_refunded == charge.amount_captured
                else "partially_refunded"
            )
            charge.save(update_fields=["status", "amount_refunded"])
            return GatewayResponse(
                ok=True,
                charge_id=charge_id,
                status=charge.status,
                amount_refunded=str(charge.amount_refunded),
            )

        return self._once(idempotency_key, "refund", perform)


_GATEWAYS: dict[str, Gateway] = {"test": TestGateway()}


def get_gateway(name: str) -> Gateway:
    return _GATEWAYS[name]
