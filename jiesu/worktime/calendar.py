"""Is a date a working day, and who says so? A chain of sources that never runs out.

1. an admin entry (CalendarDay) for that date — always wins;
2. a year an admin marked complete (CalendarYear): Monday–Friday for the days not entered;
3. `chinesecalendar` — the State Council notices it knows (2004–2026 in 1.11.0);
4. `holidays` (its CN calendar) for the years whose notice it knows (its table of 调休 swaps);
5. beyond every official source: an estimate — weekends plus the statutory holidays of the
   全国年节及纪念日放假办法 with its rule that a holiday falling on a weekend is made up on the next
   working day, as `holidays` computes them. No 调休 swaps: those are only known from the notice.

Answers from step 5 are flagged "estimated": an order whose deadline rests on them carries
`calendar_estimated` until the official schedule is loaded, and is then recomputed with an event
(workorders.services.recompute_deadlines).

The lookup is cached per process (deadline arithmetic runs on every dispatch); services that
change CalendarDay/CalendarYear call `invalidate()`."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import holidays
from chinese_calendar import constants as cc_constants
from holidays.countries.china import ChinaStaticHolidays

# Sources, from most to least authoritative; `weakest` picks the one a deadline rests on.
ADMIN = "admin"
CHINESECALENDAR = "chinesecalendar"
HOLIDAYS = "holidays"
ESTIMATED = "estimated"
SOURCE_ORDER = (ADMIN, CHINESECALENDAR, HOLIDAYS, ESTIMATED)
SOURCE_LABELS = {
    ADMIN: "管理员录入的国务院通知",
    CHINESECALENDAR: "chinesecalendar（国务院通知）",
    HOLIDAYS: "holidays（国务院通知）",
    ESTIMATED: "推算（周末＋法定节日规则，无调休）",
}


# chinesecalendar names its holidays in English only.
_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_workday: bool
    source: str
    name: str = ""


def weakest(sources) -> str:
    """The least authoritative of some sources (what a deadline counted over them rests on)."""
    found = set(sources)
    return next((s for s in reversed(SOURCE_ORDER) if s in found), ADMIN)


# ---------------------------------------------------------------- the libraries' horizons


def chinesecalendar_last_year() -> int:
    return max(cc_constants.holidays).year


def holidays_last_year() -> int:
    # The library keeps each year's 调休 swaps from the State Council notice in this table; a year
    # without an entry is computed from the statutory rules only, i.e. estimated.
    return max(ChinaStaticHolidays.special_public_holidays)


@lru_cache(maxsize=64)
def _holidays_year(year: int) -> holidays.HolidayBase:
    # Neighbouring years too: a notice can move a working day into the previous year (e.g. a
    # Saturday late in December worked for the New Year break).
    return holidays.China(years=(year - 1, year, year + 1), language="zh_CN")


# ---------------------------------------------------------------- admin entries


@lru_cache(maxsize=1)
def _overrides() -> tuple[dict[dt.date, tuple[bool, str]], frozenset[int]]:
    from django.db import connection

    from jiesu.worktime.models import CalendarDay, CalendarYear

    if CalendarDay._meta.db_table not in connection.introspection.table_names():
        return {}, frozenset()  # not migrated yet (e.g. `workdays` on a fresh clone): libraries only
    days = {d: (w, n) for d, w, n in CalendarDay.objects.values_list("date", "is_workday", "name")}
    years = frozenset(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    return days, years


def invalidate() -> None:
    _overrides.cache_clear()
    _day_cached.cache_clear()


def complete_admin_years() -> frozenset[int]:
    return _overrides()[1]


# ---------------------------------------------------------------- the chain


def year_source(year: int) -> str:
    """Which source answers for the days of `year` that no admin entry names."""
    if year in complete_admin_years():
        return ADMIN
    if chinese_calendar_knows(year):
        return CHINESECALENDAR
    if year <= holidays_last_year():
        return HOLIDAYS
    return ESTIMATED


def chinese_calendar_knows(year: int) -> bool:
    return min(cc_constants.holidays).year <= year <= chinesecalendar_last_year()


@lru_cache(maxsize=8192)
def _day_cached(day: dt.date) -> DayInfo:
    days, _years = _overrides()
    if day in days:
        is_workday, name = days[day]
        return DayInfo(day, is_workday, ADMIN, name)
    source = year_source(day.year)
    if source == ADMIN:
        return DayInfo(day, day.weekday() < 5, ADMIN)
    if source == CHINESECALENDAR:
        _on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return DayInfo(day, chinese_calendar.is_workday(day), CHINESECALENDAR, _CC_NAMES.get(name, name or ""))
    calendar = _holidays_year(day.year)
    return DayInfo(day, calendar.is_working_day(day), source, calendar.get(day) or "")


def day_info(day: dt.date) -> DayInfo:
    return _day_cached(day)


def is_workday(day: dt.date) -> bool:
    return _day_cached(day).is_workday


def span_source(first: dt.date, last: dt.date) -> str:
    """The weakest source among the days from `first` to `last` (a deadline's counted span)."""
    sources = {year_source(y) for y in range(first.year, last.year + 1)}
    if sources == {ADMIN} or ESTIMATED not in sources:
        return weakest(sources)
    # An estimated year may still have every day of the span entered by an admin.
    day, seen = first, set()
    while day <= last:
        seen.add(_day_cached(day).source)
        day += dt.timedelta(days=1)
    return weakest(seen)


def official_until() -> dt.date:
    """The last day every source chain answers from an official notice (not estimated)."""
    year = max(chinesecalendar_last_year(), holidays_last_year())
    admin_years = complete_admin_years()
    while year + 1 in admin_years:
        year += 1
    return dt.date(year, 12, 31)
