"""Payment gateways. Each one talks to a provider; Clipcart's code sees only this interface.

Every call carries an idempotency key, as real providers require, so a retried call after a
timeout can never charge, capture or refund twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from .minor_units import from_minor_units, to_minor_units
from .models import TestGatewayCharge, TestGatewayRequest

logger = logging.getLogger(__name__)


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
        self, *, charge_id: str, amount: Decimal, idempotency_key: str, currency: str | None = None
    ) -> GatewayResponse:
        """`currency` is the charge's: gateways that count in minor units (Stripe) need it."""
        ...


class GatewayUnavailable(Exception):
    """The provider could not be reached or failed on its side (a timeout, a 5xx, a rate limit,
    a revoked key): an operational failure, not a decision about the card. Not a DomainError on
    purpose: the checkout treats it like a dropped connection (release the stock, void whatever
    may have been authorized) and the refund outbox keeps the refund pending for a retry."""


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

    def refund(self, *, charge_id, amount, idempotency_key, currency=None) -> GatewayResponse:
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


class StripeGateway:
    """Stripe PaymentIntents behind the Gateway interface.

    authorize = a PaymentIntent confirmed at once with `capture_method="manual"` (the card is
    held, not charged); capture, void (cancel) and refund act on that intent. The intent id
    (`pi_…`) is the charge id Clipcart stores. Every request carries the caller's idempotency
    key, so Stripe answers a retried request with the first answer instead of charging twice.

    A card decision (declined, a bad payment method, a refund Stripe refuses) is an answer with
    `ok=False`; anything operational raises GatewayUnavailable.
    """

    name = "stripe"

    def __init__(self, *, api_key: str, http_client: stripe.HTTPClient | None = None):
        # Network retries are safe (idempotency keys) and cheap for a dropped connection; the
        # library backs off and honours Stripe's `Stripe-Should-Retry` answer.
        self._client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=2)

    def authorize(self, *, amount, currency, token, idempotency_key) -> GatewayResponse:
        params: dict[str, Any] = {
            "amount": to_minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": token,
            "capture_method": "manual",
            "confirm": True,
            # Cards only answer at once; a method that needs a redirect could not be confirmed
            # inside one API request, so it is refused rather than left half-done.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        }
        try:
            intent = self._call(
                self._client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            return _declined(error)
        except stripe.InvalidRequestError as error:
            return _refused(error, authorizing=True)
        return _from_intent(intent)

    def capture(self, *, charge_id, idempotency_key) -> GatewayResponse:
        return self._act_on_intent("capture", charge_id, idempotency_key)

    def void(self, *, charge_id, idempotency_key) -> GatewayResponse:
        return self._act_on_intent("cancel", charge_id, idempotency_key)

    def refund(self, *, charge_id, amount, idempotency_key, currency=None) -> GatewayResponse:
        if not currency:
            raise ValueError("A Stripe refund needs the charge's currency (minor units).")
        params: dict[str, Any] = {
            "payment_intent": charge_id,
            "amount": to_minor_units(amount, currency),
            # The charge comes back inside the refund: its running refunded total is the answer.
            "expand": ["charge"],
            # Lets the charge.refunded webhook find the outbox row this refund settles.
            "metadata": {"clipcart_idempotency_key": idempotency_key},
        }
        try:
            refund = self._call(
                self._client.v1.refunds.create,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as error:
            return _refused(error, charge_id=charge_id)
        return _from_refund(refund, charge_id=charge_id, currency=currency)

    def _act_on_intent(self, action: str, intent_id: str, idempotency_key: str):
        method = getattr(self._client.v1.payment_intents, action)
        try:
            intent = self._call(method, intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:  # e.g. capturing a canceled intent
            return _refused(error, charge_id=intent_id)
        return _from_intent(intent)

    @staticmethod
    def _call(method, *args, **kwargs):
        """Runs one Stripe request; card and request errors pass through to the caller, every
        other Stripe error (connection, 5xx, rate limit, authentication) becomes
        GatewayUnavailable."""
        try:
            return method(*args, **kwargs)
        except (stripe.CardError, stripe.InvalidRequestError):
            raise
        except stripe.StripeError as error:
            logger.warning("Stripe is unavailable: %s", error)
            raise GatewayUnavailable(f"Stripe is unavailable: {error.user_message}") from error


# A PaymentIntent's status, as the status the rest of Clipcart knows (Payment.Status).
_INTENT_STATUS = {
    "requires_capture": "authorized",
    "succeeded": "captured",
    "canceled": "voided",
}


def _from_intent(intent) -> GatewayResponse:
    status = _INTENT_STATUS.get(intent.status)
    if status is not None:
        return GatewayResponse(ok=True, charge_id=intent.id, status=status)
    error = intent.get("last_payment_error") or {}
    if intent.status == "requires_action":  # 3-D Secure: cannot finish inside this request
        code, message = "authentication_required", "Your bank asks for an authentication."
    else:
        code = error.get("decline_code") or error.get("code") or intent.status
        message = error.get("message") or "The payment was not authorized."
    return GatewayResponse(
        ok=False, charge_id=intent.id, status="declined", decline_code=code, message=message
    )


def _declined(error: stripe.CardError) -> GatewayResponse:
    json_body: dict[str, Any] = error.json_body if isinstance(error.json_body, dict) else {}
    body = json_body.get("error") or {}
    intent = body.get("payment_intent") or {}
    return GatewayResponse(
        ok=False,
        charge_id=intent.get("id", ""),
        status="declined",
        decline_code=body.get("decline_code") or error.code or "card_declined",
        message=error.user_message or "Your card was declined.",
    )


def _refused(
    error: stripe.InvalidRequestError, *, charge_id: str = "", authorizing: bool = False
) -> GatewayResponse:
    logger.info("Stripe refused a request: %s (%s)", error.user_message, error.code)
    if authorizing and error.param == "payment_method":
        # An unknown or reused payment method: the same answer as the test gateway's bad token.
        code = "invalid_token"
    else:
        code = error.code or "invalid_request"
    return GatewayResponse(
        ok=False,
        charge_id=charge_id,
        status="failed",
        decline_code=code,
        message=error.user_message or "Stripe refused the request.",
    )


def _from_refund(refund, *, charge_id: str, currency: str) -> GatewayResponse:
    if refund.status not in {"succeeded", "pending"}:  # pending: accepted, settling at the bank
        return GatewayResponse(
            ok=False,
            charge_id=charge_id,
            status="failed",
            decline_code=refund.get("failure_reason") or refund.status,
            message="Stripe could not make the refund.",
        )
    charge = refund.charge
    return GatewayResponse(
        ok=True,
        charge_id=charge_id,
        status="refunded" if charge.refunded else "partially_refunded",
        amount_refunded=str(from_minor_units(charge.amount_refunded, currency)),
    )


_GATEWAYS: dict[str, Gateway] = {"test": TestGateway()}

# The HTTP client Stripe requests go through; None is the library's default (real network).
# Tests put a recorded-response client here.
stripe_http_client: stripe.HTTPClient | None = None


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


@lru_cache(maxsize=4)
def _stripe_gateway(api_key: str, http_client: stripe.HTTPClient | None) -> StripeGateway:
    # One client per key keeps its HTTP connection pool between payments.
    return StripeGateway(api_key=api_key, http_client=http_client)


def get_gateway(name: str) -> Gateway:
    """The gateway called `name`. Raises ImproperlyConfigured for an unknown name or for Stripe
    without a secret key: an operator's mistake, reported as such rather than as a decline."""
    if name == "stripe":
        if not stripe_configured():
            raise ImproperlyConfigured(
                "The Stripe gateway needs STRIPE_SECRET_KEY (sk_live_… or sk_test_…); it is empty."
            )
        return _stripe_gateway(settings.STRIPE_SECRET_KEY, stripe_http_client)
    try:
        return _GATEWAYS[name]
    except KeyError:
        raise ImproperlyConfigured(f"There is no payment gateway called {name!r}.") from None
