"""Reads of the accounts app."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from clipcart.core.errors import NotFound
from clipcart.core.pagination import paginate_by_pk

from .models import Follow, Notification, User


def followed_ids(user_id: int | None) -> set[int]:
    """Ids of the creators `user_id` follows (none for an anonymous viewer)."""
    if not user_id:
        return set()
    return set(Follow.objects.filter(follower_id=user_id).values_list("creator_id", flat=True))


def handles_of(user_ids) -> dict[int, str]:
    """user id → handle (one query)."""
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "username"))


def follows_of(user_id: int):
    """The creators a person follows, oldest first: (creator id, handle, followed at), lazily."""
    return (
        Follow.objects.filter(follower_id=user_id)
        .order_by("created_at", "id")
        .values_list("creator_id", "creator__username", "created_at")
    )


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
    """Whole years lived on `today`. Someone born on 29 February has their birthday on 1 March
    in other years (they are not a year older on 28 February)."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def is_minor(user, *, today: date | None = None) -> bool:
    """Whether the account is under 18 today. An account without a birth date (those made
    before sign-up asked for it, and API sign-ups that leave it out) is treated as an adult's:
    the person has not told us otherwise, and refusing them personalization for it would only
    push them to type a date."""
    birth_date = getattr(user, "birth_date", None)
    if birth_date is None:
        return False
    return age_on(birth_date, today or timezone.localdate()) < ADULT_AGE


def feed_privacy(user, *, session_choice: bool | None = None) -> FeedPrivacy:
    """The viewer's feed privacy. A signed-in user's choice is on their account; an anonymous
    visitor's (`session_choice`) lives in their browser session.

    A minor is never personalized, whatever the stored choice; an account without a birth date
    counts as an adult's (see `is_minor`). Until the question is answered (`asked` false) the
    feed is not personalized either."""
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


# Regions are the countries of the maintained `holidays` package (ISO 3166-1 alpha-2, updated
# with each release), not a list typed here.


@functools.cache
def region_codes() -> frozenset[str]:
    import holidays  # half a second to import: only where regions are shown or checked

    return frozenset(holidays.list_supported_countries(include_aliases=False))


@functools.lru_cache(maxsize=512)
def region_name(code: str) -> str:
    """The English name of a region ("United States of America"), or the code if unknown.

    holidays names each country in its class's docstring ("Åland Islands holidays."); only
    that country's module is imported."""
    if code not in region_codes():
        return code
    import holidays

    for cls in type(holidays.country_holidays(code)).__mro__:
        first_line = (cls.__doc__ or "").strip().split("\n", 1)[0]
        if first_line.endswith(" holidays."):
            return first_line.removesuffix(" holidays.").removesuffix(" (the)")
    return code


@functools.cache
def region_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) of every region, by name. The first call imports every country's module
    of `holidays` (under a second, once per process)."""
    return tuple(sorted(((code, region_name(code)) for code in region_codes()), key=_by_name))


def _by_name(choice: tuple[str, str]) -> str:
    # "Åland Islands" sorts with the A's, as a reader looks for it.
    return unicodedata.normalize("NFKD", choice[1]).encode("ascii", "ignore").decode().casefold()


def profiling_allowed_user_ids() -> QuerySet[User, int]:
    """Ids of the adults who said yes to personalization (a lazy subquery): only their events
    may train the feed's models. Anyone without a birth date counts as an adult."""
    today = timezone.localdate()
    try:
        adult_born_by = today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February: eighteen years back has no such day
        adult_born_by = today.replace(year=today.year - ADULT_AGE, day=28)
    return (
        User.objects.filter(personalization=True)
        .filter(Q(birth_date__isnull=True) | Q(birth_date__lte=adult_born_by))
        .values_list("pk", flat=True)
    )
