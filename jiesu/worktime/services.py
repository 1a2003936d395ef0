"""Deadline arithmetic in working days and hours, and admin edits of the calendar.

Rules of counting (documented in docs/worktime.md):
- natural hours (24×7, Art. 19 of the regulation for utilities and urgent matters): plain clock time;
- working days: the start day is not counted (民法典 第二百零一条: 开始的当日不计入); the deadline
  is the end (23:59:59) of the N-th working day after the start date;
- working hours: only time inside the office window (settings.JIESU_OFFICE_HOURS) on working days.
"""

import datetime as dt
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.worktime import calendar
from jiesu.worktime.models import CalendarDay, CalendarYear

LimitUnit = Literal["hours", "workdays", "workhours"]
_MAX_SCAN_DAYS = 400
MAX_LIMIT_DAYS = 366  # the longest limit or extension anyone may ask the calendar for

# Sent after a commit that changed the calendar (an admin entry, a loaded notice). Listeners (the
# work orders) recompute deadlines that rested on estimated days; worktime does not know them.
calendar_changed = Signal()


def add_working_days(start: dt.datetime, *, days: int) -> dt.datetime:
    if days < 0:
        raise ValueError("days must be >= 0")
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    for _ in range(_MAX_SCAN_DAYS * max(1, days)):
        if counted == days:
            break
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    end = dt.datetime.combine(day, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def add_working_hours(start: dt.datetime, *, hours: float) -> dt.datetime:
    open_h, close_h = settings.JIESU_OFFICE_HOURS
    tz = timezone.get_current_timezone()
    remaining = dt.timedelta(hours=hours)
    cursor = timezone.localtime(start)
    for _ in range(_MAX_SCAN_DAYS * 10):
        day = cursor.date()
        day_open = timezone.make_aware(dt.datetime.combine(day, dt.time(open_h)), tz)
        day_close = timezone.make_aware(dt.datetime.combine(day, dt.time(close_h)), tz)
        if calendar.is_workday(day) and cursor < day_close:
            begin = max(cursor, day_open)
            available = day_close - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        cursor = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)), tz)
    raise ValueError("working-hour span too long")


def add_limit(start: dt.datetime, *, amount: float, unit: LimitUnit) -> dt.datetime:
    """The deadline `amount` `unit`s after `start`."""
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "workdays":
        return add_working_days(start, days=int(amount))
    if unit == "workhours":
        return add_working_hours(start, hours=amount)
    raise ValueError(f"unknown limit unit {unit!r}")


def limit_source(start: dt.datetime, due: dt.datetime, *, unit: LimitUnit) -> str | None:
    """Which calendar source a deadline rests on (`calendar.weakest` of the days counted), or None
    for natural hours, which do not read the calendar."""
    if unit == "hours":
        return None
    first = timezone.localtime(start).date()
    if unit == "workdays":  # the start day is not counted
        first += dt.timedelta(days=1)
    return calendar.span_source(first, max(first, timezone.localtime(due).date()))


def announce_change() -> None:
    """Forget cached days now and tell listeners after the commit (admin edits call this too)."""
    calendar.invalidate()
    transaction.on_commit(_announce)


def _announce() -> None:
    calendar.invalidate()
    calendar_changed.send(sender=CalendarDay)


@transaction.atomic
def set_calendar_day(*, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    day, _ = CalendarDay.objects.update_or_create(date=date, defaults={"is_workday": is_workday, "name": name})
    announce_change()
    return day


@transaction.atomic
def enter_year(
    *, year: int, holidays: list[tuple[dt.date, str]], makeup_workdays: list[tuple[dt.date, str]], notice: str = ""
) -> CalendarYear:
    """Record a year from the State Council notice: its holidays and make-up workdays; the rest of
    the year follows Monday–Friday."""
    _check_year_entries(year=year, holidays=holidays, makeup_workdays=makeup_workdays)
    for day, name in holidays:
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": False, "name": name})
    for day, name in makeup_workdays:
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": True, "name": name})
    cal_year, _ = CalendarYear.objects.update_or_create(year=year, defaults={"notice": notice, "is_complete": True})
    announce_change()
    return cal_year


def _check_year_entries(
    *, year: int, holidays: list[tuple[dt.date, str]], makeup_workdays: list[tuple[dt.date, str]]
) -> None:
    """A notice is refused whole, before anything is written, when a day lies outside its year,
    is both a holiday and a make-up workday, or a make-up workday falls on a weekday."""
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"年份 {year} 超出范围（2000–2100）", code="invalid_year")
    rest = {day for day, _name in holidays}
    work = {day for day, _name in makeup_workdays}
    for day in sorted(rest | work):
        # A notice may move a working day into the last days of the previous year (元旦 breaks).
        if day.year != year and not (day.year == year - 1 and day.month == 12):
            raise InvalidInput(f"{day} 不在 {year} 年", code="invalid_calendar_day")
    both = sorted(rest & work)
    if both:
        raise InvalidInput(f"{both[0]} 同时被录为放假和调休上班", code="invalid_calendar_day")
    weekday = sorted(d for d in work if d.weekday() < 5)
    if weekday:
        raise InvalidInput(
            f"{weekday[0]} 是周一至周五，本来就上班，不能录为调休上班日（请核对通知）", code="invalid_calendar_day"
        )
