"""Reference data kept in memory per process (gazetteer, boundaries, rules, settings) so that one
recommendation costs microseconds, not queries — and rebuilt when it changes anywhere.

A change (signal in any process, or a command) bumps a generation counter in Django's cache
(Redis in production, shared by all workers); each process compares it at most every
CHECK_SECONDS and rebuilds when it moved."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache as shared_cache

T = TypeVar("T")
CHECK_SECONDS = 5.0


class ProcessCache(Generic[T]):
    def __init__(self, key: str, build: Callable[[], T]):
        self._key = f"jiesu:dispatch:{key}:generation"
        self._build = build
        # Re-entrant: building may save a row (DispatchSettings.current) whose signal clears us.
        self._lock = threading.RLock()
        self._data: T | None = None
        self._generation = None
        self._checked = 0.0

    def get(self) -> T:
        now = time.monotonic()
        if self._data is not None and now - self._checked < CHECK_SECONDS:
            return self._data
        with self._lock:
            generation = shared_cache.get(self._key, 0)
            if self._data is None or generation != self._generation:
                self._data = self._build()
                self._generation = generation
            self._checked = time.monotonic()
            return self._data

    def clear(self, *args, **kwargs) -> None:
        """Drop the data here and tell the other processes."""
        with self._lock:
            self._data = None
        try:
            shared_cache.incr(self._key)
        except ValueError:  # not set yet
            shared_cache.set(self._key, 1, timeout=None)
