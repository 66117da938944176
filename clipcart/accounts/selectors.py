"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from clipcart.core.errors import NotFound
from clipcart.core.pagination import paginate_by_pk

from .models import Follow, Notification, User


def followed_ids(user_id: int | None) -> set[int]:
    """Ids of the creators `user_id` follows (none for an anonymous viewer)."""
    if not user_id:
        return set()
    return set(Follow.objects.filter(follower_id=user_id).values_list("creator_id", flat=True))


def creator_by_handle(handle: str) -> User:
    user = User.objects.filter(username__iexact=handle, is_active=True).first()
    if user is None:
        raise NotFound("No such creator.", code="creator_not_found")
    return user


def follow_counts(user_id: int) -> tuple[int, int]:
    """(followers, following) of a person."""
    return (
        Follow.objects.filter(creator_id=user_id).count(),
        Follow.objects.filter(follower_id=user_id).count(),
    )


def user_by_ref_code(code: str) -> User | None:
    return User.objects.filter(ref_code=code, is_active=True).first() if code else None


def unread_notification_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(*, user, cursor: str | None, size: int = 30):
    return paginate_by_pk(Notification.objects.filter(user=user), cursor=cursor, size=size)


# --- Feed privacy -------------------------------------------------------------------------------

ADULT_AGE = 18


@dataclass(frozen=True)
class FeedPrivacy:
    """What the feed may do for one viewer. The feed reads only this, never the fields behind it.

    `personalized` is true only for an adult (or an anonymous visitor) who said yes: then their
    behavioural data (events, interests) may shape their feed. `asked` is whether the one-time
    question has been answered. `minor` accounts get no profiling-based ranking or ads at all.
    """

    personalized: bool
    asked: bool
    minor: bool
    region: str


def age_on(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def is_minor(user, *, today: date | None = None) -> bool:
    birth_date = getattr(user, "birth_date", None)
    if birth_date is None:
        return False
    return age_on(birth_date, today or timezone.localdate()) < ADULT_AGE


def feed_privacy(user, *, session_choice: bool | None = None) -> FeedPrivacy:
    """The viewer's feed privacy. A signed-in user's choice is on their account; an anonymous
    visitor's (`session_choice`) lives in their browser session."""
    region = settings.CLIPCART_REGION
    if user is None or not user.is_authenticated:
        return FeedPrivacy(
            personalized=session_choice is True,
            asked=session_choice is not None,
            minor=False,
            region=region,
        )
    minor = is_minor(user)
    return FeedPrivacy(
        personalized=user.personalization is True and not minor,
        asked=user.personalization is not None,
        minor=minor,
        region=user.region or region,
    )


def handles_of(user_ids) -> dict[int, str]:
    """user id → handle (one query)."""
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "username"))
