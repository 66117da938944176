"""Keyset ("cursor") pagination: stable under inserts and cheap at any depth, unlike OFFSET.

A cursor is an opaque, URL-safe encoding of the last row's ordering key. Lists order by a
descending integer key (the primary key), so the next page is `pk < last_pk`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import QuerySet

from .errors import InvalidInput

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(value: int, *, kind: str = "pk") -> str:
    """An opaque cursor for `value`; `kind` says what it counts (a primary key, an offset)."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, kind: str = "pk") -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != kind or int(value) < 0:
            raise ValueError(prefix)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid.", field="cursor") from None


def paginate_by_pk(
    queryset: QuerySet, *, cursor: str | None, size: int = DEFAULT_PAGE_SIZE
) -> Page:
    """One page of `queryset`, newest (highest pk) first."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if cursor:
        queryset = queryset.filter(pk__lt=decode_cursor(cursor))
    rows = list(queryset.order_by("-pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].pk) if has_more else None)
