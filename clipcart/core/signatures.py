"""Signed webhooks, in the scheme Stripe made familiar: the sender puts
`Clipcart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` on the request.
Used by carriers' delivery webhooks and by external stores' conversion postbacks."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from django.utils import timezone

from .errors import DomainError

SIGNATURE_HEADER = "Clipcart-Signature"
TOLERANCE = timedelta(minutes=5)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX = re.compile(r"[0-9a-fA-F]{64}")


def sign(*, secret: str, raw_body: bytes, timestamp: int) -> str:
    """The header value a sender puts on `raw_body` at `timestamp`."""
    return f"t={timestamp},v1={_digest(secret, raw_body, timestamp)}"


def check_signature(
    *, secret: str, header: str, raw_body: bytes, now: datetime | None = None
) -> None:
    """Raises `bad_signature` unless one v1 of `header` is the HMAC of "<t>.<raw body>" under
    `secret` (an empty secret verifies nothing), then `signature_expired` if t is more than
    5 minutes from now (a replay). The time is checked only after the signature: it is part of
    what is signed."""
    timestamp, signatures = _parse_header(header or "")
    if not secret:
        raise bad_signature()
    expected = _digest(secret, raw_body, timestamp)
    # compare_digest on every candidate, not any(): the time taken must not depend on which.
    matches = [hmac.compare_digest(expected.encode(), s.encode()) for s in signatures]
    if not any(matches):
        raise bad_signature()
    now = now or timezone.now()
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise DomainError(
            "The signature's timestamp is more than 5 minutes from now: sign each delivery "
            "afresh, and check the clock of the server that sends it.",
            code="signature_expired",
        )


def _digest(secret: str, raw_body: bytes, timestamp: int) -> str:
    return hmac.new(
        secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256
    ).hexdigest()


def bad_signature() -> DomainError:
    return DomainError(
        f"The {SIGNATURE_HEADER} header does not verify this body.", code="bad_signature"
    )


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and _TIMESTAMP.fullmatch(value):
            timestamp = int(value)
        elif name == "v1" and _HEX.fullmatch(value):
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise bad_signature()
    return timestamp, signatures
