"""Running the timers: claim a slot once, run it, record what it did; move per-subject marks.

`tick(now)` is what Celery beat (task timers.tick) and `manage.py run_timers` call: it records the
heartbeat, claims every due slot and runs it — on a Celery worker in production, in-process when
embedded. Claims are rows of TimerRun with a unique (timer, slot): whoever inserts first runs it; a
failed run is tried again at the next tick up to MAX_ATTEMPTS, and a run that died with its process
(still "running" after STALE_AFTER) is taken over."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from jiesu.common.requestlog import bind_request_id, reset_request_id
from jiesu.timers import registry
from jiesu.timers.models import Heartbeat, RunStatus, TimerMark, TimerRun
from jiesu.timers.signals import timer_alert

log = logging.getLogger("jiesu.timers")
MAX_ATTEMPTS = 3
STALE_AFTER = dt.timedelta(hours=1)


def beat(*, name: str, now: dt.datetime | None = None) -> None:
    """Record that `name` (e.g. "celery", "run_timers") ticked now."""
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"at": now or timezone.now(), "host": socket.gethostname()[:128], "pid": os.getpid()},
    )


def claim(*, timer: str, slot: str, now: dt.datetime) -> TimerRun | None:
    """The run of `timer` for `slot`, if this caller is the one to run it; None otherwise."""
    started = timezone.now()
    try:
        with transaction.atomic():
            return TimerRun.objects.create(timer=timer, slot=slot, now=now, started_at=started)
    except IntegrityError:
        pass
    # Taken already: run it again only if it failed (a few times at most) or its runner died.
    retry = Q(status=RunStatus.FAILED, attempts__lt=MAX_ATTEMPTS) | Q(
        status=RunStatus.RUNNING, started_at__lt=started - STALE_AFTER
    )
    run = TimerRun.objects.filter(retry, timer=timer, slot=slot).first()
    if run is None:
        return None
    taken = TimerRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
        status=RunStatus.RUNNING, attempts=run.attempts + 1, started_at=started, finished_at=None, error=""
    )
    if not taken:
        return None  # another runner took it over first
    run.refresh_from_db()
    return run


def due_slots(*, now: dt.datetime, only: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(timer, slot) pairs whose slot has come for `now` (whether or not already run)."""
    wanted = set(only) if only else None
    pairs = []
    for name, timer in registry.all_timers().items():
        if wanted is not None and name not in wanted:
            continue
        slot = timer.schedule.slot(now)
        if slot is not None:
            pairs.append((name, slot))
    return pairs


def execute(run: TimerRun) -> TimerRun:
    """Run a claimed slot and record the outcome. A timer's exception is recorded (and the admins
    alerted), never raised: one broken timer must not stop the others."""
    timer = registry.get(run.timer)
    token = bind_request_id(f"timer:{run.timer}:{run.slot}")
    try:
        result = timer.run(now=run.now) or {}
    except Exception as exc:
        run.status, run.error = RunStatus.FAILED, traceback.format_exc()[-4000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        log.exception("timer failed", extra={"timer": run.timer, "slot": run.slot, "attempt": run.attempts})
        if run.attempts >= MAX_ATTEMPTS:
            _alert(
                run, f"定时任务“{timer.label}”（{run.timer}，时段 {run.slot}）连续 {run.attempts} 次失败：{exc}", True
            )
        return run
    finally:
        reset_request_id(token)
    run.status, run.result, run.finished_at = RunStatus.DONE, _jsonable(result), timezone.now()
    run.save(update_fields=["status", "result", "finished_at"])
    log.info("timer done", extra={"timer": run.timer, "slot": run.slot, "result": run.result})
    if result.get("alert"):
        _alert(run, str(result["alert"]), False)
    return run


def _alert(run: TimerRun, message: str, failed: bool) -> None:
    try:
        timer_alert.send(sender=TimerRun, timer=run.timer, slot=run.slot, message=message, failed=failed)
    except Exception:
        log.exception("timer alert could not be sent", extra={"timer": run.timer})


def _jsonable(result: dict) -> dict:
    return {
        str(k): (v if isinstance(v, int | float | str | bool | type(None) | list | dict) else str(v))
        for k, v in result.items()
    }


def tick(
    *, now: dt.datetime | None = None, only: Iterable[str] | None = None, source: str = "run_timers", defer=None
) -> list[TimerRun]:
    """Claim every due slot and run it (or hand it to `defer(run)`, e.g. a Celery task). Returns
    the runs this call claimed."""
    now = now or timezone.now()
    beat(name=source, now=timezone.now())
    claimed = []
    for name, slot in due_slots(now=now, only=only):
        run = claim(timer=name, slot=slot, now=now)
        if run is None:
            continue
        claimed.append(run)
        if defer is not None:
            defer(run)
        else:
            execute(run)
    return claimed


def run_now(*, name: str, now: dt.datetime | None = None) -> TimerRun:
    """Run one timer outside its schedule (an admin or a test asks for it), in a slot of its own."""
    now = now or timezone.now()
    registry.get(name)
    slot = f"manual:{timezone.localtime(now):%Y-%m-%dT%H:%M:%S.%f}"
    run = claim(timer=name, slot=slot, now=now)
    if run is None:
        raise RuntimeError(f"{name} {slot} already ran")
    return execute(run)


# ---------------------------------------------------------------- marks

_BATCH = 500


def advance(*, timer: str, items: Iterable[tuple], at: dt.datetime | None = None) -> set[int]:
    """Move the marks of `timer` forward: each (subject, epoch, stage[, next_at]) is written when
    the subject has no mark yet, a mark of another epoch, or a lower stage. Returns the subjects
    moved — the ones the caller may act on. Atomic per statement, so two concurrent passes never
    both get a subject (INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING, on PostgreSQL and
    SQLite). `next_at` says when the subject needs looking at again (None: not in this epoch)."""
    at = at or timezone.now()
    table = connection.ops.quote_name(TimerMark._meta.db_table)
    # Raw SQL: times as the ORM stores them (on SQLite, UTC text — an aware time passed as is would be
    # stored with its offset and compare wrongly with the UTC `now` of the watchers' queries).
    adapt = connection.ops.adapt_datetimefield_value
    moved: set[int] = set()
    rows = list(items)
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
        params: list = []
        for item in batch:
            subject, epoch, stage = item[:3]
            next_at = item[3] if len(item) > 3 else None
            params += [timer, subject, epoch, stage, adapt(at), adapt(next_at)]
        sql = (
            f"INSERT INTO {table} (timer, subject, epoch, stage, at, next_at) VALUES {values} "
            f"ON CONFLICT (timer, subject) DO UPDATE SET epoch = excluded.epoch, stage = excluded.stage, "
            f"at = excluded.at, next_at = excluded.next_at "
            f"WHERE {table}.epoch <> excluded.epoch OR {table}.stage < excluded.stage "
            f"RETURNING subject"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            moved.update(row[0] for row in cursor.fetchall())
    return moved


def forget(*, timer: str, subjects: Iterable[int]) -> int:
    """Drop marks of subjects that are done (keeps the table the size of what is still open)."""
    ids = list(subjects)
    deleted = 0
    for start in range(0, len(ids), _BATCH):
        deleted += TimerMark.objects.filter(timer=timer, subject__in=ids[start : start + _BATCH]).delete()[0]
    return deleted
