"""Writes of the accounts app: registration, login, API tokens, roles."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from clipcart.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, RateLimited

from .models import ApiToken, Follow, Notification, User

TOKEN_PREFIX = "cc_"
USERNAME_MAX = 30


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast unsalted hash is enough (as GitHub does).
    return hashlib.sha256(raw.encode()).hexdigest()


def check_register(*, username: str, email: str, password: str) -> None:
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
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("That username is taken.", code="username_taken", field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with that email exists.", code="email_taken", field="email")


def register_user(*, username: str, email: str, password: str) -> User:
    username, email = username.strip(), email.strip().lower()
    check_register(username=username, email=email, password=password)
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
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
