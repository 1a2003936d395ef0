"""Is a date a working day? Library first, admin entries override, unknown years are errors.

The lookup is cached per process (deadline arithmetic runs on every dispatch); services that
change CalendarDay/CalendarYear call `invalidate()`."""

import datetime as dt
from functools import lru_cache

import chinese_calendar

from jiesu.common.errors import CalendarUnavailable


@lru_cache(maxsize=1)
def _overrides() -> tuple[dict[dt.date, bool], frozenset[int]]:
    from jiesu.worktime.models import CalendarDay, CalendarYear

    days = dict(CalendarDay.objects.values_list("date", "is_workday"))
    years = frozenset(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    return days, years


def invalidate() -> None:
    _overrides.cache_clear()
    _is_workday_cached.cache_clear()


@lru_cache(maxsize=8192)
def _is_workday_cached(day: dt.date) -> bool:
    days, complete_years = _overrides()
    if day in days:
        return days[day]
    if day.year in complete_years:
        return day.weekday() < 5
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnavailable(
            f"{day.year}年的节假日安排尚未录入，无法计算期限。请管理员依据国务院办公厅通知在“工作日历”中录入。"
        ) from None


def is_workday(day: dt.date) -> bool:
    return _is_workday_cached(day)
