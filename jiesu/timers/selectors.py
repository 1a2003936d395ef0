"""Reads of the timers: recent runs and heartbeats (for /healthz and the admin)."""

import datetime as dt

from django.utils import timezone

from jiesu.timers.models import Heartbeat, TimerRun


def last_heartbeat() -> Heartbeat | None:
    return Heartbeat.objects.order_by("-at").first()


def heartbeat_age(*, now: dt.datetime | None = None) -> dt.timedelta | None:
    last = last_heartbeat()
    if last is None:
        return None
    return (now or timezone.now()) - last.at


def recent_runs(*, limit: int = 50) -> list[TimerRun]:
    return list(TimerRun.objects.order_by("-started_at")[:limit])
