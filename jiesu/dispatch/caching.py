"""Reference data kept in memory per process (gazetteer, boundaries, rules, settings) so that one
recommendation costs microseconds, not queries — and rebuilt when it changes anywhere.

A change (signal in any process, or a command) bumps a generation counter shared by all processes
(jiesu.common.shared_version: Redis in production, a file when embedded); each process compares it
at most every CHECK_SECONDS and rebuilds when it moved."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from jiesu.common import shared_version

T = TypeVar("T")
CHECK_SECONDS = 5.0


class ProcessCache(Generic[T]):
    def __init__(self, key: str, build: Callable[[], T]):
        self._key = f"dispatch.{key}"
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
            generation = shared_version.read(self._key)
            if self._data is None or generation != self._generation:
                self._data = self._build()
                self._generation = generation
            self._checked = time.monotonic()
            return self._data

    def clear(self, *args, **kwargs) -> None:
        """Drop the data here and tell the other processes."""
        with self._lock:
            self._data = None
        shared_version.increment(self._key)
