"""External products: the signed click id that goes with a shopper to another store, the
postback that store sends back when the shopper buys, and the secret it signs postbacks with.

The signature is Stripe's scheme: the header `Clipcart-Signature: t=<unix seconds>,v1=<hex>`
where v1 is the HMAC-SHA256 of "<t>.<raw body>" under the shop's secret. Until the signature
holds, every failure answers the same `bad_signature`, so a caller cannot learn whether a click
id exists or whose it is. A report is idempotent per shop and `order_ref`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product
from clipcart.core import ratelimit
from clipcart.core.errors import Conflict, InvalidInput
from clipcart.core.money import parse_price
from clipcart.core.signatures import SIGNATURE_HEADER as SIGNATURE_HEADER  # the router reads it
from clipcart.core.signatures import TOLERANCE, bad_signature, check_signature

from .. import selectors, terms
from ..models import Commission, ExternalConversion, PostbackKey, Term, Touch
from . import touches

CLICK_PARAMETER = "clipcart_click"
CLICK_SALT = "clipcart.affiliate.external-click"
MAX_CLICK_LENGTH = 200
MAX_ORDER_REF = 100
# Verified against when the click names no shop with a key, so that answer takes as long as a
# wrong signature: the response time does not tell whether the click exists.
_NO_SECRET = secrets.token_hex(32)


# --- The click id --------------------------------------------------------------------------------


def click_token(touch: Touch) -> str:
    """The click id sent to the other store: the touch's id, signed (not guessable)."""
    return signing.dumps(touch.pk, salt=CLICK_SALT)


def touch_of_click(token: object) -> Touch | None:
    """The external-click touch a click id names, or None if it was edited or is unknown."""
    if not isinstance(token, str) or not token or len(token) > MAX_CLICK_LENGTH:
        return None
    try:
        touch_id = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if isinstance(touch_id, bool) or not isinstance(touch_id, int):
        return None
    return (
        Touch.objects.select_related("product__shop", "creator")
        .filter(pk=touch_id, kind=Touch.Kind.EXTERNAL_CLICK, product__kind=Product.Kind.EXTERNAL)
        .first()
    )


def with_click_id(url: str, token: str) -> str:
    """`url` with `clipcart_click=<token>` added; its own query string is kept byte for byte."""
    if not token:
        return url
    parts = urlsplit(url)
    extra = urlencode({CLICK_PARAMETER: token})
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def spend_click_budget(*, client_key: str) -> None:
    """The touch budget per client (address), on top of the one per visitor in `touches`: a
    script that drops its cookies is a new visitor on every request, but not a new address.
    Raises RateLimited past the budget."""
    ratelimit.spend(
        f"external-click:{hashlib.sha256(client_key.encode()).hexdigest()}",
        limit=settings.CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE,
        period_s=60,
        message="Too many clicks; slow down.",
    )


def external_click(
    *, actor: str, product_id: int, ref: str = "", post_id: int | None = None
) -> str:
    """Records the `external_click` touch of the creator behind the click — the creator of the
    video `post_id` whose anchor was tapped, or the one whose share code is `ref` — if they earn
    on the product, and returns its click id ('' when nothing was recorded). Raises RateLimited
    past the visitor's budget.

    This is `touches.touch_from_ref` for one product, kept here because the click id needs the
    touch itself, which touch_from_ref does not return."""
    creator_id = touches.earning_creator(product_id=product_id, ref=ref, post_id=post_id)
    if creator_id is None:
        return ""
    touch = touches.record_touch(
        actor=actor,
        creator_id=creator_id,
        product_id=product_id,
        kind=Touch.Kind.EXTERNAL_CLICK,
        post_id=post_id,
    )
    return click_token(touch) if touch is not None else ""


# --- The shop's secret ---------------------------------------------------------------------------


def postback_secret(*, user, shop_id: int, rotate: bool = False) -> PostbackKey:
    """The shop's postback secret (shop staff only), made on first use. `rotate` replaces it at
    once: postbacks signed with the old secret are refused from then on."""
    shop = catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    if rotate:
        key, _ = PostbackKey.objects.update_or_create(
            shop=shop, defaults={"secret": secrets.token_hex(32), "created_at": timezone.now()}
        )
    else:
        key, _ = PostbackKey.objects.get_or_create(
            shop=shop, defaults={"secret": secrets.token_hex(32)}
        )
    key.shop = shop
    return key


# --- Verifying a postback ------------------------------------------------------------------------


def _json_object(raw_body: bytes) -> dict | None:
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _signed_touch(raw_body: bytes, header: str, now: datetime) -> tuple[Touch, dict]:
    """The touch the body's click names, once the signature of its shop's key holds."""
    body = _json_object(raw_body)
    touch = touch_of_click(body.get("click")) if body is not None else None
    key = PostbackKey.objects.filter(shop_id=touch.product.shop_id).first() if touch else None
    check_signature(
        secret=key.secret if key else _NO_SECRET, header=header, raw_body=raw_body, now=now
    )
    if touch is None or body is None or key is None:  # only reached if _NO_SECRET was guessed
        raise bad_signature()
    return touch, body


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    order_ref: str
    amount: Decimal
    currency: str
    occurred_at: datetime


def _order_ref(raw: object) -> str:
    ref = raw.strip() if isinstance(raw, str) else ""
    if not ref or len(ref) > MAX_ORDER_REF or not ref.isprintable():
        raise InvalidInput(
            f"order_ref is your order's reference: 1–{MAX_ORDER_REF} printable characters.",
            field="order_ref",
        )
    return ref


def _amount(raw: object) -> Decimal:
    if not isinstance(raw, str):  # a JSON number may already have lost its cents
        raise InvalidInput('Send the amount as a decimal string such as "12.50".', field="amount")
    return parse_price(raw, field="amount", label="Amount")


def _currency(raw: object, *, shop_currency: str) -> str:
    if raw != shop_currency:
        raise InvalidInput(
            f"The currency must be the shop's, {shop_currency}.",
            code="currency_mismatch",
            field="currency",
        )
    return shop_currency


def _occurred_at(raw: object, *, now: datetime) -> datetime:
    try:
        at = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:  # well formed but impossible, such as February 30
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(
            "occurred_at is an ISO 8601 time with its offset, such as 2026-05-01T12:30:00Z.",
            field="occurred_at",
        )
    if at > now + TOLERANCE:
        raise InvalidInput("occurred_at is in the future.", field="occurred_at")
    return at


def check_report(body: dict, *, shop_currency: str, now: datetime) -> Report:
    return Report(
        order_ref=_order_ref(body.get("order_ref")),
        amount=_amount(body.get("amount")),
        currency=_currency(body.get("currency"), shop_currency=shop_currency),
        occurred_at=_occurred_at(body.get("occurred_at"), now=now),
    )


# --- Recording it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoCommission:
    code: str
    message: str


@dataclass(frozen=True)
class Recorded:
    conversion: ExternalConversion
    commission: Commission | None
    reason: NoCommission | None  # why there is no commission
    created: bool  # False: the same report came before, and this is its first answer


def record_conversion(*, raw_body: bytes, signature: str, now: datetime | None = None) -> Recorded:
    """Verifies a postback and records the sale it reports: an ExternalConversion and, when a
    term was in force for the click's creator and product when the sale happened, a pending
    Commission on the reported amount (it becomes payable with `release_payable`). The same
    `order_ref` again answers the first result and records nothing."""
    now = now or timezone.now()
    touch, body = _signed_touch(raw_body, signature, now)
    report = check_report(body, shop_currency=touch.product.shop.currency, now=now)
    first = ExternalConversion.objects.filter(
        shop_id=touch.product.shop_id, order_ref=report.order_ref
    ).first()
    if first is not None:
        return _replayed(first, touch=touch, report=report)
    try:
        with transaction.atomic():
            return _record(touch, report)
    except IntegrityError:  # the same report, racing: the first one wins
        first = ExternalConversion.objects.filter(
            shop_id=touch.product.shop_id, order_ref=report.order_ref
        ).first()
        if first is None:
            raise
        return _replayed(first, touch=touch, report=report)


def _record(touch: Touch, report: Report) -> Recorded:
    conversion = ExternalConversion.objects.create(
        shop_id=touch.product.shop_id,
        touch=touch,
        order_ref=report.order_ref,
        amount=report.amount,
        currency=report.currency,
        occurred_at=report.occurred_at,
    )
    term, reason = _earning(touch, at=report.occurred_at)
    commission = None if term is None else _receipt(conversion, touch=touch, term=term)
    return Recorded(conversion=conversion, commission=commission, reason=reason, created=True)


def _replayed(first: ExternalConversion, *, touch: Touch, report: Report) -> Recorded:
    same = (first.touch_id, first.amount, first.currency, first.occurred_at) == (
        touch.pk,
        report.amount,
        report.currency,
        report.occurred_at,
    )
    if not same:
        raise Conflict(
            "This order_ref was already reported with another click, amount or time.",
            code="order_ref_reused",
            field="order_ref",
        )
    commission = Commission.objects.filter(conversion=first).first()
    reason = None if commission is not None else _earning(touch, at=first.occurred_at)[1]
    return Recorded(conversion=first, commission=commission, reason=reason, created=False)


def _earning(touch: Touch, *, at: datetime) -> tuple[Term | None, NoCommission | None]:
    """The term the sale earns under, or why it earns nothing. The click window is the one of
    sales on Clipcart itself (a sale long after the click is not the creator's doing)."""
    click_window = timedelta(days=settings.CLIPCART_AFFILIATE_CLICK_WINDOW_DAYS)
    if touch.creator_id in catalog_selectors.staff_ids(shop_id=touch.product.shop_id):
        return None, NoCommission("own_shop", "The click was made by the shop's own staff.")
    if at < touch.first_at - TOLERANCE:
        return None, NoCommission("before_click", "The sale happened before the click.")
    if at > touch.last_at + click_window:
        return None, NoCommission(
            "outside_window",
            f"The sale came more than {click_window.days} days after the last click.",
        )
    term = selectors.term_for(creator_id=touch.creator_id, product_id=touch.product_id, at=at)
    if term is None:
        return None, NoCommission(
            "no_term",
            "No commission term was in force for the creator and product when the sale happened.",
        )
    return term, None


def _receipt(conversion: ExternalConversion, *, touch: Touch, term: Term) -> Commission:
    # The winning touch's time is its last click before the sale (a later click did not sell).
    touched_at = touch.last_at if touch.last_at <= conversion.occurred_at else touch.first_at
    return Commission.objects.create(
        conversion=conversion,
        creator_id=touch.creator_id,
        shop_id=conversion.shop_id,
        product_id=touch.product_id,
        touch=touch,
        touch_kind=touch.kind,
        touched_at=touched_at,
        post_id=touch.post_id or None,
        term=term,
        rate=term.rate,
        flat_fee=term.flat_fee,
        quantity=1,
        base=conversion.amount,
        amount=terms.commission_amount(base=conversion.amount, quantity=1, term=term),
        currency=conversion.currency,
        earned_at=conversion.occurred_at,
    )
