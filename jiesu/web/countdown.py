"""Deadline countdowns in working time, as the workbench shows them.

Red: the deadline has passed. Amber: less than 24 natural hours left. The remaining time is told in
working days and office hours (settings.JIESU_OFFICE_HOURS on working days), because that is how
the units are held to it."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from jiesu.worktime import calendar

_MAX_DAYS = 120


@dataclass(frozen=True)
class Countdown:
    level: str  # "overdue" | "soon" | "ok" | "none"
    text: str


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Office hours on working days between two instants (0 when end <= start)."""
    if end <= start:
        return 0.0
    open_h, close_h = settings.JIESU_OFFICE_HOURS
    tz = timezone.get_current_timezone()
    start, end = timezone.localtime(start), timezone.localtime(end)
    total = dt.timedelta()
    day = start.date()
    for _ in range(_MAX_DAYS):
        if day > end.date():
            break
        if calendar.is_workday(day):
            day_open = dt.datetime.combine(day, dt.time(open_h), tzinfo=tz)
            day_close = dt.datetime.combine(day, dt.time(close_h), tzinfo=tz)
            begin, finish = max(start, day_open), min(end, day_close)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def _natural(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    return f"{days}天{hours}小时" if days else f"{hours}小时{int(delta.total_seconds() % 3600 // 60)}分"


def countdown(*, due: dt.datetime | None, done: dt.datetime | None = None, now: dt.datetime | None = None) -> Countdown:
    if due is None:
        return Countdown("none", "—")
    now = now or timezone.now()
    if done is not None:
        return Countdown("overdue" if done > due else "ok", "超期完成" if done > due else "按期完成")
    if now > due:
        return Countdown("overdue", "已超期 " + _natural(now - due))
    hours = working_hours_between(now, due)
    open_h, close_h = settings.JIESU_OFFICE_HOURS
    per_day = close_h - open_h
    days, rest = divmod(hours, per_day)
    if days >= 1:
        text = f"剩余 {int(days)}个工作日" + (f"{rest:.0f}小时" if rest >= 0.5 else "")
    elif hours >= 1:
        text = f"剩余 {hours:.1f}工作小时"
    else:  # a natural-hours deadline outside office hours: the clock time is what counts
        text = "剩余 " + _natural(due - now)
    return Countdown("soon" if due - now < dt.timedelta(hours=24) else "ok", text)
