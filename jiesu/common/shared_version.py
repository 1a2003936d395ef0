"""One shared version counter per cached thing, so that an admin's edit in one process reaches
every process (gunicorn workers, Celery workers, the timers) within CHECK_SECONDS.

Where the counter lives:
- REDIS_URL set: a Redis key `<JIESU_REDIS_PREFIX>:version:<name>` (INCR is atomic);
- embedded: a small file `var/versions/<name>` next to the SQLite database (the demo's web server
  and its timer process share it; a lock makes the increment atomic).

A process keeps what it built together with the counter value it saw; `VersionWatch.check()`
re-reads the counter at most every CHECK_SECONDS and, when it moved, clears the registered caches.
`bump()` clears this process at once and moves the counter for the others."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings

CHECK_SECONDS = 2.0


def _redis():
    return _redis_for(settings.REDIS_URL)


@cache
def _redis_for(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _key(name: str) -> str:
    return f"{settings.REDIS_PREFIX}:version:{name}"


def _file(name: str) -> Path:
    return Path(settings.VAR_DIR) / "versions" / name


def read(name: str) -> int:
    """The counter's value now (0 when never bumped)."""
    if settings.REDIS_URL:
        value = _redis().get(_key(name))
        return int(value) if value is not None else 0
    try:
        return int(_file(name).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def increment(name: str) -> int:
    if settings.REDIS_URL:
        return int(_redis().incr(_key(name)))
    path = _file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read().strip()
        value = (int(text) if text.isdigit() else 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(value))
        handle.flush()
    return value


class VersionWatch:
    """Caches of one kind of data (e.g. the calendar) tied to one shared counter."""

    def __init__(self, name: str, check_seconds: float = CHECK_SECONDS):
        self.name = name
        self.check_seconds = check_seconds
        self._clearers: list[Callable[[], None]] = []
        self._seen: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def on_change(self, clear: Callable[[], None]) -> Callable[[], None]:
        self._clearers.append(clear)
        return clear

    def _clear_local(self) -> None:
        for clear in self._clearers:
            clear()

    def check(self) -> None:
        """Clear the caches when another process bumped the counter (cheap between checks)."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return
        with self._lock:
            if now - self._checked < self.check_seconds:
                return
            try:
                value = read(self.name)
            except Exception:  # Redis away: keep serving what we have; /healthz reports Redis
                self._checked = now
                return
            if self._seen is not None and value != self._seen:
                self._clear_local()
            self._seen = value
            self._checked = now

    def check_now(self) -> None:
        """check() without waiting CHECK_SECONDS: before building something that will be stored
        under the counter's value just read (jiesu.reports.stored)."""
        with self._lock:
            self._checked = float("-inf")
        self.check()

    def bump(self) -> None:
        """This process's caches now, every other process's within check_seconds. Inside a
        transaction the counter moves again after the commit: a process that rebuilt from the
        old rows in between rebuilds once more."""
        from django.db import connection, transaction

        self._bump_now()
        if connection.in_atomic_block:
            transaction.on_commit(self._bump_now)

    def _bump_now(self) -> None:
        self._clear_local()
        value = increment(self.name)
        with self._lock:
            self._seen = value
            self._checked = time.monotonic()
