"""Pre-computed figures of the leader pages (dashboard, review, overview, scorecards): each named
aggregate (a month's ranking, its red/black list, a month's category volumes, today's overview) is
computed once, stored in `LeaderAggregate` with the moment it is as of (“数据截至”) and the last
event id it saw, and read from there by every request.

Kept current by events, not by the clock: the timer `assessment.refresh_aggregates` re-computes
only rows that an event appended since could change — an event at or after the end of a month's
cycle cannot change that month (the monthly facts are folded per month, jiesu.assessment.facts), so
closed months stay as they are and only the current month follows the day's work. After a refresh,
publishing a month or a rule edit, the shared version counter `leader-aggregates` moves and every
process drops its in-memory copies (jiesu.common.shared_version).

A row not there yet is computed by the first request (and stored); with
`JIESU_AGGREGATES_REFRESH_ON_READ` (the test settings, tiny installations) a read re-computes a
stale row itself instead of waiting for the timer."""

from __future__ import annotations

import contextvars
import datetime as dt
import importlib
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from jiesu.common.shared_version import VersionWatch

WATCH = VersionWatch("leader-aggregates")


@dataclass(frozen=True)
class Spec:
    """One kind of aggregate. `compute(**params)` gives the figures; `dump`/`load` turn them into
    JSON and back; `depends(**params)` says which events can change them: (until, actions) —
    only events with `at` before `until` (None: any time) and, when `actions` is given, only
    those actions. `max_age` (seconds) for figures that move with the clock (overdue today)."""

    name: str
    compute: Callable[..., Any]
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]
    depends: Callable[..., tuple[dt.datetime | None, tuple[str, ...] | None]]
    max_age: float | None = None
    keep: Callable[..., dt.datetime | None] | None = None  # rows past this moment are dropped


_SPECS: dict[str, Spec] = {}
_memo: dict[str, tuple[Any, dt.datetime]] = {}
WATCH.on_change(_memo.clear)
_seen: contextvars.ContextVar[list[dt.datetime] | None] = contextvars.ContextVar("aggregates_seen", default=None)


def _identity(value):
    return value


def aggregate(
    name: str,
    *,
    depends: Callable[..., tuple[dt.datetime | None, tuple[str, ...] | None]],
    dump: Callable[[Any], Any] = _identity,
    load: Callable[[Any], Any] = _identity,
    max_age: float | None = None,
    keep: Callable[..., dt.datetime | None] | None = None,
):
    """Decorator: the function becomes a stored aggregate called with JSON-able keyword params
    (`<module>:<name>` lets the timer find it again in any process). `.compute` is the direct
    computation, for checks."""

    def wrap(fn):
        spec = Spec(
            name=f"{fn.__module__}:{name}",
            compute=fn,
            dump=dump,
            load=load,
            depends=depends,
            max_age=max_age,
            keep=keep,
        )
        _SPECS[spec.name] = spec

        def cached(**params):
            return read(spec, params)

        cached.compute = fn
        cached.spec = spec
        cached.peek = lambda **params: peek(spec, params)
        cached.put = lambda value, *, mark, **params: _store(
            spec, params, _key(spec.name, params), mark=mark, value=value
        )
        cached.__doc__ = fn.__doc__
        return cached

    return wrap


def _key(name: str, params: dict) -> str:
    return f"{name}|{json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)}"


def _note(as_of: dt.datetime) -> None:
    box = _seen.get()
    if box is not None:
        box.append(as_of)


@contextmanager
def tracking():
    """Collect the as-of moments of the aggregates read inside the block: `as_of(box)` is the
    oldest (what the page may claim as “数据截至”)."""
    box: list[dt.datetime] = []
    token = _seen.set(box)
    try:
        yield box
    finally:
        _seen.reset(token)


def as_of(box: list[dt.datetime]) -> dt.datetime | None:
    return min(box) if box else None


def _last_event_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM workorders_workorderevent")
        return cursor.fetchone()[0]


def is_stale(spec: Spec, params: dict, *, mark: int, computed: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Has an event appended after `mark` anything to do with these figures?"""
    from jiesu.workorders.models import WorkOrderEvent

    if spec.max_age is not None and ((now or timezone.now()) - computed).total_seconds() > spec.max_age:
        return True
    until, actions = spec.depends(**params)
    newer = WorkOrderEvent.objects.filter(pk__gt=mark)
    if until is not None:
        newer = newer.filter(at__lt=until)
    if actions is not None:
        newer = newer.filter(action__in=actions)
    return newer.exists()


def _store(
    spec: Spec, params: dict, key: str, *, mark: int | None = None, value: Any = None
) -> tuple[Any, dt.datetime]:
    """Compute (unless `value` is given) and store. `mark`: the newest event id read before the
    figures were computed (an event after it makes the row stale)."""
    from jiesu.assessment.models import LeaderAggregate

    if mark is None:
        mark = _last_event_id()
    as_of_moment = timezone.now()
    payload = spec.dump(spec.compute(**params) if value is None else value)
    keep_until = spec.keep(**params) if spec.keep else None
    LeaderAggregate.objects.bulk_create(
        [
            LeaderAggregate(
                key=key,
                name=spec.name,
                params=params,
                payload=payload,
                as_of=as_of_moment,
                event_mark=mark,
                keep_until=keep_until,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["payload", "as_of", "event_mark", "keep_until"],
    )
    return payload, as_of_moment


def read(spec: Spec, params: dict) -> Any:
    from jiesu.assessment.models import LeaderAggregate

    key = _key(spec.name, params)
    on_read = getattr(settings, "JIESU_AGGREGATES_REFRESH_ON_READ", False)
    if not on_read:
        WATCH.check()
        hit = _memo.get(key)
        if hit is not None:
            _note(hit[1])
            return spec.load(hit[0])
    row = LeaderAggregate.objects.filter(key=key).values_list("payload", "as_of", "event_mark").first()
    if row is not None and not (on_read and is_stale(spec, params, mark=row[2], computed=row[1])):
        payload, moment = row[0], row[1]
    else:
        payload, moment = _store(spec, params, key)
    if not on_read:
        _memo[key] = (payload, moment)
    _note(moment)
    return spec.load(payload)


def peek(spec: Spec, params: dict) -> Any | None:
    """The stored figures if they are there and no event since could have changed them; None
    otherwise (nothing is computed)."""
    from jiesu.assessment.models import LeaderAggregate

    row = (
        LeaderAggregate.objects.filter(key=_key(spec.name, params))
        .values_list("payload", "as_of", "event_mark")
        .first()
    )
    if row is None or is_stale(spec, params, mark=row[2], computed=row[1]):
        return None
    _note(row[1])
    return spec.load(row[0])


def last_event_id() -> int:
    return _last_event_id()


def _spec(name: str) -> Spec | None:
    if name not in _SPECS:
        module = name.split(":", 1)[0]
        try:
            importlib.import_module(module)
        except ImportError:
            return None
    return _SPECS.get(name)


def refresh(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-compute the stored aggregates events made stale; drop expired ones; tell every process.
    Rows found still current get the newest event id as their mark, so the next check scans only
    what came after."""
    from jiesu.assessment import engine
    from jiesu.assessment.models import LeaderAggregate

    now = now or timezone.now()
    dropped = LeaderAggregate.objects.filter(keep_until__lt=now).delete()[0]
    # One mark for the whole pass, read before anything is computed: the rows recomputed below
    # share the per-window sums (engine.memo), which may be older than a mark read later.
    top = _last_event_id()
    refreshed = current = 0
    rows = LeaderAggregate.objects.values_list("pk", "name", "params", "event_mark", "as_of").order_by("pk")
    with engine.memo():
        for pk, name, params, mark, computed in rows:
            spec = _spec(name)
            if spec is None:
                LeaderAggregate.objects.filter(pk=pk).delete()
                dropped += 1
                continue
            if is_stale(spec, params, mark=mark, computed=computed, now=now):
                _store(spec, params, _key(name, params), mark=top)
                refreshed += 1
            elif mark < top:
                LeaderAggregate.objects.filter(pk=pk, event_mark=mark).update(event_mark=top)
                current += 1
    if refreshed or dropped:
        WATCH.bump()
    return {"refreshed": refreshed, "current": current, "dropped": dropped}


_PREFILL: list[Callable[..., None]] = []


def prefill(fn: Callable[..., None]) -> Callable[..., None]:
    """Register `fn(*, now)`: reads the figures the leaders will open next (this month, last
    month, today), so that the first of them does not pay for the computation. Called by the
    timer after `refresh`; reading through the aggregates stores what is missing."""
    _PREFILL.append(fn)
    return fn


def run_prefill(*, now: dt.datetime) -> int:
    for fn in _PREFILL:
        fn(now=now)
    return len(_PREFILL)


def forget(*, month: dt.date | None = None) -> int:
    """Drop stored figures (of one month, by its `month` param, or all): after publishing a month
    or editing a rule version. Every process re-reads."""
    from jiesu.assessment.models import LeaderAggregate

    rows = LeaderAggregate.objects.all()
    if month is not None:
        rows = rows.filter(params__month=f"{month:%Y-%m}")
    count = rows.delete()[0]
    WATCH.bump()
    return count


def clear_memo() -> None:
    """This process's in-memory copies (tests)."""
    _memo.clear()
