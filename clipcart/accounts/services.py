"""Writes of the accounts app: registration, login, API tokens, roles, feed privacy."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from clipcart.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

from . import selectors
from .models import ApiToken, Follow, Notification, User

TOKEN_PREFIX = "cc_"
USERNAME_MAX = 30


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast unsalted hash is enough (as GitHub does).
    return hashlib.sha256(raw.encode()).hexdigest()


def check_register(
    *, username: str, email: str, password: str, birth_date: date | None = None
) -> None:
    """Validate a registration; raises InvalidInput or Conflict with the field to blame."""
    if not username or len(username) > USERNAME_MAX or not username.replace("_", "").isalnum():
        raise InvalidInput(
            f"Username must be 1–{USERNAME_MAX} letters, digits or underscores.", field="username"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("Enter a valid email address.", field="email") from None
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    if birth_date is not None:
        check_birth_date(birth_date)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("That username is taken.", code="username_taken", field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with that email exists.", code="email_taken", field="email")


def register_user(
    *,
    username: str,
    email: str,
    password: str,
    birth_date: date | None = None,
    personalization: bool | None = None,
) -> User:
    """Creates an account. `birth_date` is optional (the API's sign-up may leave it out: the
    account then counts as an adult's). `personalization` is the answer the visitor already
    gave to "personalize your feed?" in this browser, so a new account is not asked twice; a
    yes from someone under 18 is not kept (they cannot have it)."""
    username, email = username.strip(), email.strip().lower()
    check_register(username=username, email=email, password=password, birth_date=birth_date)
    privacy: dict = {"birth_date": birth_date}
    minor = selectors.is_minor(User(birth_date=birth_date))
    if personalization is not None and not (personalization and minor):
        privacy.update(personalization=personalization, personalization_answered_at=timezone.now())
    try:
        with transaction.atomic():
            return User.objects.create_user(
                username=username, email=email, password=password, **privacy
            )
    except IntegrityError:  # a concurrent registration won the race for the name
        raise Conflict("That username is taken.", code="username_taken", field="username") from None


def _failed_login_budget_spent(request: HttpRequest, *, username: str, count: bool) -> bool:
    """Whether the client address or the username has used up its failed-login budget.

    Only failures count, so people sharing one address (an office, a campus) who type their
    password right never lock each other out. Limiting by username alone would let one attacker
    lock anyone out; by address alone, a botnet could guess one password from many addresses:
    either key over its budget refuses the attempt. `count=True` records one more failure.
    """
    rate = settings.LOGIN_RATE_LIMIT
    keys = {"login-ip": "ip", "login-user": lambda _group, _request: username.lower()}
    spent = False
    for group, key in keys.items():
        usage = get_usage(request, group=group, key=key, rate=rate, increment=count)
        # get_usage limits when count > limit; a budget of N allows N failures, not N + 1.
        spent = spent or (usage is not None and usage["count"] >= usage["limit"])
    return spent


def check_login(request: HttpRequest, *, username: str, password: str) -> User:
    """The user for these credentials, or NotAuthenticated / RateLimited."""
    if _failed_login_budget_spent(request, username=username, count=False):
        raise RateLimited("Too many login attempts. Wait a few minutes and try again.")
    user = authenticate(request, username=username, password=password)
    if user is None:
        _failed_login_budget_spent(request, username=username, count=True)
        raise NotAuthenticated("Wrong username or password.", code="invalid_credentials")
    return user


def issue_api_token(*, user: User, name: str = "api") -> str:
    """Creates a token and returns its only plain-text copy."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10], token_hash=hash_token(raw))
    return raw


def user_for_token(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write last-use at most once a minute: the token table must not become a hot row.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def grant_seller_role(*, user: User) -> None:
    if not user.is_seller_staff:
        User.objects.filter(pk=user.pk).update(is_seller_staff=True)
        user.is_seller_staff = True


def grant_creator_role(*, user: User) -> None:
    if not user.is_creator:
        User.objects.filter(pk=user.pk).update(is_creator=True)
        user.is_creator = True


# --- Social graph and share codes ---------------------------------------------------------------

REF_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes get read aloud


def follow(*, follower: User, creator_id: int) -> bool:
    """Follows a creator; returns True when this call made the follow (repeats are no-ops)."""
    if follower.pk == creator_id:
        raise InvalidInput("You cannot follow yourself.", code="self_follow", field="creator")
    if not User.objects.filter(pk=creator_id, is_active=True).exists():
        raise NotFound("No such creator.", code="creator_not_found")
    _, created = Follow.objects.get_or_create(follower=follower, creator_id=creator_id)
    return created


def unfollow(*, follower: User, creator_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower=follower, creator_id=creator_id).delete()
    return deleted > 0


def ensure_ref_code(*, user: User) -> str:
    """The user's share code, made on first use. A clash of random codes retries."""
    if user.ref_code:
        return user.ref_code
    for _ in range(5):
        code = "".join(secrets.choice(REF_CODE_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                made = User.objects.filter(pk=user.pk, ref_code__isnull=True).update(ref_code=code)
        except IntegrityError:  # another user already has this code
            continue
        if made:
            user.ref_code = code
            return code
        user.refresh_from_db(fields=["ref_code"])
        if user.ref_code:  # a concurrent request made it first
            return user.ref_code
    raise Conflict("Could not make a share code; try again.")


# --- Notifications ------------------------------------------------------------------------------


def notify(*, user: User, kind: str, message: str, url: str = "") -> Notification:
    return Notification.objects.create(user=user, kind=kind, message=message[:500], url=url[:300])


def mark_notifications_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Feed privacy -------------------------------------------------------------------------------

MIN_AGE = 13  # the youngest age the terms allow an account at (COPPA, the GDPR's lowest)
MAX_AGE = 120  # older is a typo, not a person
PRIVACY_FIELDS = ["personalization", "personalization_answered_at", "birth_date", "region"]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def check_birth_date(birth_date: date, *, today: date | None = None) -> None:
    """A date of birth someone could have: not in the future, not more than 120 years ago, and
    at least 13 years ago (`too_young`)."""
    today = today or timezone.localdate()
    if birth_date > today:
        raise InvalidInput(
            "Your date of birth can't be in the future.",
            code="invalid_birth_date",
            field="birth_date",
        )
    if birth_date < _years_before(today, MAX_AGE):
        raise InvalidInput(
            f"That is more than {MAX_AGE} years ago; check the year.",
            code="invalid_birth_date",
            field="birth_date",
        )
    if selectors.age_on(birth_date, today) < MIN_AGE:
        raise InvalidInput(
            f"You must be at least {MIN_AGE} to use Clipcart.", code="too_young", field="birth_date"
        )


def check_region(region: str) -> str:
    """The region as stored: an ISO 3166-1 alpha-2 code in capitals, or "" for the instance's
    default region."""
    code = region.strip().upper()
    if code and code not in selectors.region_codes():
        raise InvalidInput(
            "Choose a country from the list (a two-letter code such as US).",
            code="unknown_region",
            field="region",
        )
    return code


def check_personalization(*, user: User, enabled: bool) -> None:
    """Anyone may turn personalization off; an account under 18 may not turn it on.

    A PermissionDenied (403): the request is well formed, the account is not allowed it."""
    if enabled and selectors.is_minor(user):
        raise PermissionDenied(
            "Accounts under 18 can't turn on personalization: their feed and ads are never "
            "based on what they do on Clipcart.",
            code="minor_not_personalized",
            field="personalization",
        )


def set_personalization(*, user: User, enabled: bool) -> User:
    """Stores the answer to "personalize your feed?" and when it was given."""
    check_personalization(user=user, enabled=enabled)
    user.personalization = enabled
    user.personalization_answered_at = timezone.now()
    user.save(update_fields=["personalization", "personalization_answered_at", "updated_at"])
    return user


def set_birth_date(*, user: User, birth_date: date) -> User:
    """Sets the date of birth once. Afterwards it is locked (`birth_date_locked`, 409): a
    minor could otherwise make themselves 18 to get what is kept from minors. Support
    corrects a wrong one in the admin."""
    check_birth_date(birth_date)
    # The condition makes the lock hold against two saves racing from two tabs.
    if not User.objects.filter(pk=user.pk, birth_date__isnull=True).update(
        birth_date=birth_date, updated_at=timezone.now()
    ):
        raise Conflict(
            "Your date of birth is already set. If it is wrong, contact support.",
            code="birth_date_locked",
            field="birth_date",
        )
    user.birth_date = birth_date
    return user


def set_region(*, user: User, region: str) -> User:
    """Sets whose popular videos a non-personalized feed shows ("" = the instance's)."""
    user.region = check_region(region)
    user.save(update_fields=["region", "updated_at"])
    return user


def update_feed_privacy(
    *,
    user: User,
    personalization: bool | None = None,
    birth_date: date | None = None,
    region: str | None = None,
) -> User:
    """Applies the given changes (None leaves a setting as it is) all together or, when one
    is refused, none of them. A birth date sent with `personalization: true` is checked first,
    so a minor cannot slip the choice in beside it."""
    try:
        with transaction.atomic():
            if birth_date is not None:
                set_birth_date(user=user, birth_date=birth_date)
            if region is not None:
                set_region(user=user, region=region)
            if personalization is not None:
                set_personalization(user=user, enabled=personalization)
    except DomainError:
        # The rows rolled back; the object in hand must not keep the half-applied values.
        user.refresh_from_db(fields=PRIVACY_FIELDS)
        raise
    return user
