"""Celery side of the timers: beat sends timers.tick every JIESU_TIMER_TICK_SECONDS; the tick claims
the due slots and queues one timers.run per slot, so a long timer (the monthly pack) does not hold
up the others. Embedded (tasks eager) the same calls run in-process."""

import datetime as dt

from django.conf import settings

from jiesu.celery import app
from jiesu.timers import services
from jiesu.timers.models import TimerRun


@app.task(name="timers.tick", ignore_result=True)
def tick_task(now: str | None = None) -> int:
    when = dt.datetime.fromisoformat(now) if now else None
    defer = None if settings.CELERY_TASK_ALWAYS_EAGER else (lambda run: run_task.delay(run.pk))
    return len(services.tick(now=when, source="celery", defer=defer))


@app.task(name="timers.run", ignore_result=True)
def run_task(run_id: int) -> str:
    run = TimerRun.objects.get(pk=run_id)
    return services.execute(run).status
