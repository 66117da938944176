"""Shared snapshots: a value every request reads (the feed's catalogue, the exploring videos),
built from the database by one process, kept in the cache for a few seconds and held by each
process between reads.

A page reads one small pointer (a random token and when it was built); a process whose held
copy carries that token uses it without reading and unpickling the value again. Under load
many pages would find an expired snapshot at once and all build it (a few queries each that
together stall every page for a moment), so one page rebuilds it `refresh_before_s` before it
expires while the others go on with the current one. A missing one (the first page, a new
version, a cleared cache) is built by whoever needs it: making the others wait for one builder
would hold their pooled database connections while the builder may need one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


class SharedSnapshot(Generic[T]):
    def __init__(
        self, name: str, build: Callable[[], T], *, ttl_s: int, refresh_before_s: int = 3
    ) -> None:
        self.name = name
        self.build = build
        self.ttl_s = ttl_s
        self.refresh_before_s = refresh_before_s
        self.held: tuple[str, T] | None = None  # (token, value) this process last read

    def get(self, *, version: object = "") -> T:
        """The current value for `version` (part of the key: a new version is a new value at
        once, e.g. media's live-set version when a video is removed)."""
        pointer = f"snapshot:{self.name}:{version}"
        found = cache.get(pointer)
        value = self._read(pointer, found[0]) if found is not None else None
        if value is None or self._refresh_is_due(pointer, built_at=found[1]):
            value = self._build(pointer)
        return value

    def _read(self, pointer: str, token: str) -> T | None:
        if self.held is not None and self.held[0] == token:
            return self.held[1]
        value = cache.get(f"{pointer}:{token}")
        if value is not None:
            self.held = (token, value)
        return value

    def _refresh_is_due(self, pointer: str, *, built_at: float) -> bool:
        """Whether this page is the one to rebuild the value ahead of its expiry."""
        due = time.time() - built_at > self.ttl_s - self.refresh_before_s
        return due and cache.add(f"{pointer}:refreshing", 1, timeout=self.ttl_s)

    def _build(self, pointer: str) -> T:
        token, value = secrets.token_hex(8), self.build()
        # Written before the pointer and kept longer, so a pointer never names a missing copy.
        cache.set(f"{pointer}:{token}", value, timeout=self.ttl_s + 5)
        cache.set(pointer, (token, time.time()), timeout=self.ttl_s)
        cache.delete(f"{pointer}:refreshing")
        self.held = (token, value)
        return value
