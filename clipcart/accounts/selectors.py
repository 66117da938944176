"""Reads of the accounts app."""

from __future__ import annotations

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
